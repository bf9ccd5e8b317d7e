"""Reading loosely typed platform values: numbers and moments as the platform writes them.

Shared by the sandbox and the desk's contact mirror, so both read a value the same way (their
filters must agree id for id). No Django here.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

# The reference's odd "2021-01-21T00:00:00:000Z" (milliseconds after a colon).
_COLON_MILLIS = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}):(\d{1,6})(Z|[+-]\d{2}:?\d{2})?$"
)


def as_number(value: Any) -> int | float | None:
    """A finite number from a number or a numeric string; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if float(number).is_integer() else number


def parse_datetime(value: object) -> datetime | None:
    """A datetime from an ISO date or datetime string (naive means UTC); None if it is not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().rstrip('"')
    colon = _COLON_MILLIS.match(text)
    if colon:
        text = f"{colon.group(1)}.{colon.group(2)}{colon.group(3) or ''}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
