"""Parsing request bodies as strict JSON."""

from __future__ import annotations

import json
from typing import Any


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and the database's JSON columns) do not.
    raise ValueError(f"{name} is not valid JSON")


def strict_json(raw: bytes | str) -> Any:
    """json.loads that refuses NaN/Infinity; raises ValueError (or UnicodeDecodeError).

    A NUL character (\\u0000) is valid JSON but PostgreSQL cannot store it in text or jsonb:
    it becomes U+FFFD, so a message that carries one is kept rather than refused (a refused
    callback would be lost once the platform gives up re-sending it)."""
    value = json.loads(raw, parse_constant=_refuse_constant)
    marker = b"\\u0000" if isinstance(raw, bytes) else "\\u0000"
    return _without_nul(value) if marker in raw else value


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value
