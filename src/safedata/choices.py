"""Django choices derived from the pure vocabularies, so each is defined only once.

``safedata.consensus`` defines the labels and statuses (``Label``, ``Status``)
and the names people read (``LABEL_NAMES``, ``STATUS_NAMES``); the model fields,
the forms and the admin take their ``TextChoices`` from here. Code that needs a
member uses the pure enum (``Label.GREAT``), which is a ``str`` like the
``TextChoices`` member would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from django.db import models

E = TypeVar("E", bound=StrEnum)


def text_choices(name: str, members: type[E], names: Mapping[E, str]) -> type[models.TextChoices]:
    """A ``TextChoices`` class with one member per enum member: same name, value and label."""
    pairs = [(member.name, (member.value, names[member])) for member in members]
    # django-stubs types only the class syntax of choices, not Enum's functional API.
    choices: type[models.TextChoices] = models.TextChoices(name, pairs)  # type: ignore[call-overload]
    return choices
