from django import template

from reports.charts import duration as _duration

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds for people: 42 s, 4 min 10 s, 2 h 05 min; — for none."""
    return _duration(seconds)
