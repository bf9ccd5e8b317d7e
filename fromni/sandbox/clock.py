"""Wall-clock timestamps in the platform's format, and lenient parsing of dates it accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fromni.values import parse_datetime  # noqa: F401  (the sandbox reads moments this way)

# The reference's own example writes milliseconds after a colon ("00:00:00:000Z"); accept it.


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
