"""Times that reach a template as ISO strings (the JSON shapes the pages share with the API),
made datetimes again so that Django's `date` filter shows them in the reader's time zone and
language formats: {{ contact.createdAt|moment|date:"SHORT_DATETIME_FORMAT" }}."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def moment(value: str | datetime | None) -> datetime | None:
    """A datetime from an ISO 8601 string (or a datetime, as it is); None for nothing or
    something that is not one."""
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None
