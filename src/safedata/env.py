"""Typed helpers that read settings from environment variables.

Every helper records the variable it read, so a test can check that
``docs/settings.md`` documents each one. A variable ``NAME_FILE`` may hold the
path of a file whose content is used instead (for secrets).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

READ: dict[str, str] = {}
"""Every variable read so far, mapped to its default as text."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot accept."""


def _raw(name: str, default: str) -> str:
    READ[name] = default
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_str(name: str, default: str = "") -> str:
    """The variable's text, or ``default``."""
    return _raw(name, default)


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable: accepts 1/0, true/false, yes/no, on/off."""
    value = _raw(name, "true" if default else "false").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer variable, optionally with a lower bound."""
    text = _raw(name, str(default))
    try:
        value = int(text)
    except ValueError as exc:
        raise SettingError(f"{name}={text!r} is not an integer") from exc
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}={value} must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, low: float, high: float) -> float:
    """A number variable that must lie in ``[low, high]``."""
    text = _raw(name, str(default))
    try:
        value = float(text)
    except ValueError as exc:
        raise SettingError(f"{name}={text!r} is not a number") from exc
    if not low <= value <= high:
        raise SettingError(f"{name}={value} must lie between {low} and {high}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks are dropped."""
    return [item.strip() for item in _raw(name, default).split(",") if item.strip()]


def env_networks(
    name: str, default: str = ""
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A comma-separated list of IP addresses or CIDR networks."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise SettingError(f"{name}: {item!r} is not an IP address or network") from exc
    return tuple(networks)
