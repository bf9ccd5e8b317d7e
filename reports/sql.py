"""What the reports need from SQL and Django lacks: percentiles as aggregates, and several
groupings with their total in one statement.

PostgreSQL has `percentile_cont ... WITHIN GROUP`; SQLite (the embedded default) has no
ordered-set aggregates, so `apps.py` registers a Python aggregate with the same definition
(linear interpolation between the closest ranks) on every SQLite connection. Both backends then
answer the same figures from the same queryset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Aggregate, FloatField, QuerySet


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


def grouping_sets(
    queryset: QuerySet, *, keys: Sequence[str], measures: dict[str, Any]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """`queryset.values(key).annotate(**measures)` for each of `keys`, and
    `queryset.aggregate(**measures)`, from one statement: ({key: rows}, total).

    On PostgreSQL, `GROUP BY GROUPING SETS ((key1), (key2), ..., ())` reads the rows once for
    every grouping and the total, and the total's percentiles ride on the groupings' scan
    instead of a scan each (bench/reports; the figures are in docs/benchmarks.md). Django has
    no such clause, so the statement is put together from what Django compiles for
    `values(*keys).annotate()`: each selected expression, the FROM and the WHERE. SQLite has no
    GROUPING SETS: there the same SELECT is repeated per grouping, UNION ALL. Values come as the
    database returns them (the keys' columns, counts, floats): no model field converters are
    applied.
    """
    grouped = queryset.values(*keys).annotate(**measures).order_by()
    compiler = grouped.query.get_compiler(using=grouped.db)
    compiler.pre_sql_setup()
    selected = {alias: compiled for _, compiled, alias in compiler.select}
    from_parts, from_params = compiler.get_from_clause()
    where_sql, where_params = compiler.compile(compiler.where)
    tail = f" FROM {' '.join(from_parts)}" + (f" WHERE {where_sql}" if where_sql else "")
    tail_params = [*from_params, *where_params]
    if any(selected[key][1] for key in keys):
        raise ValueError("grouping_sets groups by columns only (a key compiled with parameters)")
    key_sql = [selected[key][0] for key in keys]
    measure_sql = ", ".join(f"{selected[name][0]} AS {_quoted(name)}" for name in measures)
    measure_params = [param for name in measures for param in selected[name][1]]
    everything = (1 << len(keys)) - 1  # GROUPING(key1, ..., keyN): 1 bits = not grouped by

    def grouping_of(index: int) -> int:
        return everything ^ (1 << (len(keys) - 1 - index))

    if connections[grouped.db].vendor == "postgresql":
        keys_list = ", ".join(key_sql)
        sets = ", ".join([*(f"({sql})" for sql in key_sql), "()"])
        sql = (
            f"SELECT {keys_list}, GROUPING({keys_list}), {measure_sql}{tail}"
            f" GROUP BY GROUPING SETS ({sets})"
        )
        params = [*measure_params, *tail_params]
    else:
        parts, params = [], []
        for index in [*range(len(keys)), None]:
            columns = [sql if i == index else "NULL" for i, sql in enumerate(key_sql)]
            grouping = everything if index is None else grouping_of(index)
            group_by = "" if index is None else f" GROUP BY {key_sql[index]}"
            parts.append(f"SELECT {', '.join(columns)}, {grouping}, {measure_sql}{tail}{group_by}")
            params += [*measure_params, *tail_params]
        sql = " UNION ALL ".join(parts)
    rows: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    total: dict[str, Any] = {}
    by_grouping = {grouping_of(index): key for index, key in enumerate(keys)}
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values = dict(zip(measures, row[len(keys) + 1 :], strict=True))
            grouping = row[len(keys)]
            if grouping == everything:
                total = values
            else:
                key = by_grouping[grouping]
                rows[key].append({key: row[keys.index(key)], **values})
    return rows, total


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
