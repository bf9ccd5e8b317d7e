"""Checking and normalising values the way the platform stores them.

Every checker raises ValueError with a message the API hands back to the caller (HTTP 500).
"""

from __future__ import annotations

from typing import Any

from fromni.values import as_number  # noqa: F401  (the sandbox reads numbers this way)

from .clock import iso, parse_datetime

VARIABLE_TYPES = ("STRING", "NUMBER", "DATE")
ATTRIBUTE_TYPES = (
    "STRING",
    "NUMBER",
    "DATE",
    "DATETIME",
    "BOOLEAN",
    "SELECT",
    "MULTISELECT",
    "URL",
)
ATTRIBUTE_ENTITIES = ("deal", "product")


def normalize_phone(value: Any) -> str:
    """`79990000000`, `"+7 (999) 000-00-00"` -> `"+79990000000"`, as contacts carry it."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("phone must be a string or a number")
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if not 5 <= len(digits) <= 15:
        raise ValueError(f"Invalid phone number: {value!r}")
    return "+" + digits


def as_date_string(value: Any) -> str | None:
    moment = parse_datetime(value)
    return iso(moment) if moment else None


def check_variable_value(name: str, validate_as: str, value: Any) -> Any:
    """The stored form of a contact variable's value; None clears it."""
    if value is None:
        return None
    if validate_as == "NUMBER":
        number = as_number(value)
        if number is None:
            raise ValueError(f"Value of variable '{name}' must be a NUMBER, got {value!r}")
        return number
    if validate_as == "DATE":
        text = as_date_string(value)
        if text is None:
            raise ValueError(f"Value of variable '{name}' must be a DATE, got {value!r}")
        return text
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"Value of variable '{name}' must be a STRING, got {value!r}")
    return str(value)


def check_attribute_value(name: str, type_: str, options: list[Any] | None, value: Any) -> Any:
    """The stored form of a deal attribute's value, checked against its type and options."""
    if value is None:
        return None

    def fail(expected: str) -> ValueError:
        return ValueError(f"Value of attribute '{name}' must be {expected}, got {value!r}")

    if type_ == "NUMBER":
        number = as_number(value)
        if number is None:
            raise fail("a NUMBER")
        return number
    if type_ in ("DATE", "DATETIME"):
        if parse_datetime(value) is None:
            raise fail(f"a {type_}")
        return value
    if type_ == "BOOLEAN":
        if not isinstance(value, bool):
            raise fail("a BOOLEAN")
        return value
    if type_ == "SELECT":
        if value not in (options or []):
            raise fail(f"one of {options}")
        return value
    if type_ == "MULTISELECT":
        if not isinstance(value, list) or any(item not in (options or []) for item in value):
            raise fail(f"a list of {options}")
        return value
    if type_ == "URL":
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise fail("a URL")
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fail("a STRING")
    return str(value)
