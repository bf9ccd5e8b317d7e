"""Percentiles as aggregates, which Django lacks.

PostgreSQL has `percentile_cont ... WITHIN GROUP`; SQLite (the embedded default) has no
ordered-set aggregates, so `apps.py` registers a Python aggregate with the same definition
(linear interpolation between the closest ranks) on every SQLite connection. Both backends then
answer the same figures from the same queryset.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Aggregate, FloatField


class Percentile(Aggregate):
    """The `fraction` percentile of the values, interpolated (`percentile_cont`)."""

    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within 0..1")
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def _with_template(self, template: str, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Through the class attribute: Aggregate.as_sql wraps it in its FILTER (WHERE ...) form.
        clone = self.copy()
        clone.template = template
        return super(Percentile, clone).as_sql(compiler, connection, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = f"percentile_cont({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        return self._with_template(template, compiler, connection, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = f"DESK_PERCENTILE(%(expressions)s, {self.fraction!r})"
        return self._with_template(template, compiler, connection, **extra)

    def get_group_by_cols(self) -> list[Any]:
        return []


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont in Python (the SQLite aggregate, and tests' arithmetic)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class SqlitePercentile:
    """sqlite3 aggregate for DESK_PERCENTILE(value, fraction); NULL values are skipped."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)
