"""The typed environment helpers refuse bad values with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata.env import SettingError, env_bool, env_float, env_int, env_list, env_str


def test_values_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_BOOL", "yes")
    monkeypatch.setenv("T_INT", "42")
    monkeypatch.setenv("T_LIST", "a, b,,c")
    assert env_bool("T_BOOL", False) is True
    assert env_int("T_INT", 1) == 42
    assert env_list("T_LIST") == ["a", "b", "c"]
    assert env_str("T_MISSING", "fallback") == "fallback"


def test_secret_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("T_SECRET_FILE", str(secret))
    assert env_str("T_SECRET", "default") == "from-a-file"


@pytest.mark.parametrize(
    ("call", "value", "message"),
    [
        (lambda: env_bool("T_X", False), "maybe", "T_X='maybe' is not a boolean"),
        (lambda: env_int("T_X", 1), "ten", "T_X='ten' is not an integer"),
        (lambda: env_int("T_X", 1, minimum=5), "2", "T_X=2 must be at least 5"),
        (lambda: env_float("T_X", 0.5, low=0, high=1), "2", "must lie between 0 and 1"),
        (lambda: env_float("T_X", 0.5, low=0, high=1), "x", "is not a number"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, call: object, value: str, message: str
) -> None:
    monkeypatch.setenv("T_X", value)
    with pytest.raises(SettingError, match=message):
        call()  # type: ignore[operator]
