"""Variable values as the platform checks them (validateAs), and as the mirror stores them.

The platform takes STRING as strings or numbers (kept as text), NUMBER as numbers or numeric
strings, DATE as ISO dates or datetimes (naive means UTC). The mirror keeps each value in the
form its filters compare: numbers as JSON numbers, dates as one canonical UTC text with
microseconds, whose text order is time order (so PostgreSQL and SQLite compare them alike).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contacts.models import VariableType
from fromni.values import as_number  # noqa: F401  (read as the platform does)
from fromni.values import parse_datetime as as_datetime


class ValueMismatch(ValueError):
    """A value that does not fit its variable's type."""


def date_key(moment: datetime) -> str:
    """The canonical text of a moment: `2024-03-01T00:00:00.000000Z` (fixed width, UTC)."""
    moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}Z"
    )


def platform_date(stored: str) -> str:
    """A stored DATE value in the platform's spelling (milliseconds): `2024-03-01T00:00:00.000Z`."""
    return stored[:23] + "Z"


def stored_value(validate_as: str, value: Any, name: str = "") -> Any:
    """The mirror's form of a value of a variable; None for no value (None or "").

    Raises ValueMismatch, with the platform's wording, for a value that does not fit.
    """
    if value is None or value == "":
        return None
    label = f"Value of variable '{name}'" if name else "The value"
    if validate_as == VariableType.NUMBER:
        number = as_number(value)
        if number is None:
            raise ValueMismatch(f"{label} must be a NUMBER, got {value!r}")
        return number
    if validate_as == VariableType.DATE:
        moment = as_datetime(value)
        if moment is None:
            raise ValueMismatch(f"{label} must be a DATE (e.g. 2024-03-01), got {value!r}")
        return date_key(moment)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueMismatch(f"{label} must be a STRING, got {value!r}")
    return str(value)


def shown_value(validate_as: str, stored: Any) -> Any:
    """A stored value as the platform shows it."""
    if validate_as == VariableType.DATE and isinstance(stored, str):
        return platform_date(stored)
    return stored
