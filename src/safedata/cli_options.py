"""Command-line options made from the option dataclasses the commands build.

A field's default and its ``bounded`` range live once, on the dataclass (which
checks them for every caller: the command line, the API, Python); the option
adds only its help text. Pure: imports click, never Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, Field, fields
from typing import Any, TypeVar, get_type_hints

import click

from safedata.params import field_bounds

F = TypeVar("F", bound=Callable[..., Any])


def field_option(
    options: type[Any], name: str, help_text: str, *, choices: Sequence[str] | None = None
) -> Callable[[F], F]:
    """The option ``--name`` (``_`` read as ``-``) for the field ``name`` of ``options``.

    Its default is the field's, shown in ``--help``. A ``bounded`` field takes an
    ``IntRange`` or ``FloatRange`` of its bounds, ``choices`` make a ``Choice``,
    and any other field the type of its annotation.
    """
    item = _field(options, name)
    hint = get_type_hints(options)[name]
    return click.option(
        f"--{name.replace('_', '-')}",
        type=click.Choice(choices) if choices is not None else _value_type(item, hint),
        default=item.default,
        show_default=True,
        help=help_text,
    )


def _field(options: type[Any], name: str) -> Field[Any]:
    item = next((f for f in fields(options) if f.name == name), None)
    if item is None or item.default is MISSING:
        raise TypeError(f"{options.__name__} has no field {name!r} with a default")
    return item


def _value_type(item: Field[Any], hint: Any) -> Any:
    bounds = field_bounds(item)
    if bounds is None:
        return hint
    if hint is int:
        high = None if bounds.high is None else int(bounds.high)
        return click.IntRange(int(bounds.low), high, min_open=bounds.low_open)
    return click.FloatRange(bounds.low, bounds.high, min_open=bounds.low_open)
