"""``manage.py check --deploy`` is clean with production settings, and production
refuses to start on secrets that anyone could know."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEVELOPMENT_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "k" + os.urandom(32).hex() + "Zq!x#",
        "IP_HASH_SALT": os.urandom(24).hex(),
        "SECURE_COOKIES_AND_HTTPS": "true",
        "ALLOWED_HOSTS": "safedata.example.org",
        "SAFEDATA_DATA_DIR": str(tmp_path),
        **overrides,
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite for Playwright only
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_on_production_settings(tmp_path: Path) -> None:
    result = _check_deploy(_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_development_settings(tmp_path: Path) -> None:
    env = {**os.environ, "DEBUG": "true", "SAFEDATA_DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": DEVELOPMENT_KEY}, "SECRET_KEY must be a random value of at least 50"),
        ({"SECRET_KEY": "x" * 49}, "SECRET_KEY must be a random value of at least 50"),
        ({"IP_HASH_SALT": ""}, "IP_HASH_SALT must be a random value of at least 32"),
        ({"IP_HASH_SALT": "s" * 31}, "IP_HASH_SALT must be a random value of at least 32"),
        ({"SECRET_KEY": "q" * 60, "IP_HASH_SALT": "q" * 60}, "IP_HASH_SALT must differ"),
        ({"VOTE_RATE_LIMIT": "120/minute"}, "VOTE_RATE_LIMIT: invalid rate '120/minute'"),
        ({"LOGIN_RATE_LIMIT": "10/m/ipp"}, "LOGIN_RATE_LIMIT='10/m/ipp'"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8,10.0.0.300"}, "TRUSTED_PROXIES: '10.0.0.300'"),
    ],
)
def test_production_refuses_to_start_on_a_bad_setting(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    env = _production_env(tmp_path, **overrides)
    if not overrides.get("IP_HASH_SALT", "x"):
        env.pop("IP_HASH_SALT")
    result = _check_deploy(env)
    assert result.returncode != 0
    assert f"SettingError: {message}" in result.stderr
