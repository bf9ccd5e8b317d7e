"""The period a report covers, from the query string: whole days in the desk's time zone,
`start` and `end` inclusive (YYYY-MM-DD); by default the last 7 days up to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from operator_desk.errors import Invalid

DEFAULT_DAYS = 7
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: the first moment after the last day."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def query(self) -> dict[str, str]:
        return {"start": self.first.isoformat(), "end": self.last.isoformat()}


def _day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(
            _("%(name)s must be a date as YYYY-MM-DD, got %(value)r.")
            % {"name": name, "value": value}
        ) from None


def period_parse(params: Any, *, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    last = _day(params.get("end"), "end") or today
    first = _day(params.get("start"), "start") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid(_("start must not be after end."))
    if (last - first).days >= MAX_DAYS:
        raise Invalid(
            ngettext(
                "A period is at most %(days)s day.", "A period is at most %(days)s days.", MAX_DAYS
            )
            % {"days": MAX_DAYS}
        )
    return Period(first, last)
