"""SQL Django lacks, that more than one app needs."""

from __future__ import annotations

from typing import Any

from django.db.models import F, FloatField, Func
from django.db.models.expressions import Combinable


class Seconds(Func):
    """`end - start` in seconds (a float); NULL when either is NULL."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Combinable | str, start: Combinable | str) -> None:
        super().__init__(
            F(end) if isinstance(end, str) else end, F(start) if isinstance(start, str) else start
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday() is a double of days: about 10 microseconds of noise, rounded off to ms.
        return self.as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s)) * 86400.0, 3)",
            arg_joiner=") - julianday(",
            **extra,
        )
