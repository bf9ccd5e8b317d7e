"""Wall-clock timestamps in the platform's format, and lenient parsing of dates it accepts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

# The reference's own example writes milliseconds after a colon ("00:00:00:000Z"); accept it.
_COLON_MILLIS = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}):(\d{1,6})(Z|[+-]\d{2}:?\d{2})?$"
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """`2021-04-09T09:55:09.782Z`: UTC with milliseconds, as every platform timestamp."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(utcnow())


def in_seconds(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


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
