"""Parsing request bodies as strict JSON."""

from __future__ import annotations

import json
from typing import Any


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and the database's JSON columns) do not.
    raise ValueError(f"{name} is not valid JSON")


def strict_json(raw: bytes | str) -> Any:
    """json.loads that refuses NaN/Infinity; raises ValueError (or UnicodeDecodeError)."""
    return json.loads(raw, parse_constant=_refuse_constant)
