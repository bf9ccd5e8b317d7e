"""One index per contact variable on PostgreSQL, for the filter's conditions on variables.

Variable values live in one JSON column (Contact.variable_values). Each variable gets a btree
index on exactly the expression contacts/filters.py compares for its type: the text for STRING
(`eq`), the JSON number for NUMBER (`eq`, lt..gte), the canonical date text byte-ordered for DATE
(`eq`, before/after). So the planner can combine a filter's selective conditions (BitmapAnd)
instead of walking the list testing every row, which is a table scan when matches are rare; and
each index's statistics (ANALYZE keeps them for expression indexes) tell it which conditions are
selective. Not partial: PostgreSQL ignores the statistics of partial indexes. Variables are the
platform's and come and go at run time, so their indexes are made and dropped here, built
CONCURRENTLY (writes go on), not in migrations. bench/contacts measures the result.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django_tasks import task

from contacts.models import Contact, Variable, VariableType
from operator_desk import queues

log = logging.getLogger(__name__)

PREFIX = "contact_var_"


def _expression(variable: Variable) -> str:
    key = variable.key  # "v<pk>": safe to write into SQL
    if variable.validate_as == VariableType.NUMBER:
        return f"(variable_values -> '{key}')"
    if variable.validate_as == VariableType.DATE:
        return f"((variable_values ->> '{key}') COLLATE \"C\")"
    return f"(variable_values ->> '{key}')"


def wanted_indexes() -> dict[str, str]:
    """{index name: CREATE statement} for every variable that gets one."""
    table = Contact._meta.db_table
    found = {}
    for variable in Variable.objects.all():
        found[f"{PREFIX}{variable.pk}"] = (
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{PREFIX}{variable.pk}" ON "{table}" '
            f"({_expression(variable)})"
        )
    return found


def variable_indexes_ensure() -> dict[str, list[str]]:
    """Create the missing indexes (and rebuild invalid ones, left by an interrupted build), drop
    those of deleted variables. Must run outside a transaction (CONCURRENTLY)."""
    if connection.vendor != "postgresql":
        return {"created": [], "dropped": []}
    if connection.in_atomic_block:
        raise RuntimeError("variable indexes are built CONCURRENTLY, outside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
            [Contact._meta.db_table],
        )
        existing = {name: valid for name, valid in cursor.fetchall() if name.startswith(PREFIX)}
        wanted = wanted_indexes()
        dropped = [n for n, valid in existing.items() if n not in wanted or not valid]
        for name in dropped:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        created = [n for n in wanted if n not in existing or n in dropped]
        for name in created:
            cursor.execute(wanted[name])
    if created or dropped:
        log.info("variable indexes: created %s, dropped %s", created, dropped)
    return {"created": created, "dropped": [n for n in dropped if n not in wanted]}


@task(queue_name=queues.BACKGROUND)
def refresh_variable_indexes() -> dict[str, list[str]]:
    return variable_indexes_ensure()


def variable_indexes_refresh() -> None:
    """Bring the indexes in line with the variables, by a background task after commit: a build
    on a big table takes seconds, which no request or callback should wait for. (The backfill
    calls variable_indexes_ensure itself.)"""
    if connection.vendor == "postgresql":
        transaction.on_commit(refresh_variable_indexes.enqueue)
