"""Row locking, the one way the desk does it; work at the end of a transaction; connections of
long-lived threads; database calls from a websocket's task."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from channels.db import DatabaseSyncToAsync
from django.db import connection as default_connection
from django.db import transaction
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def locked(queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows, locked until the end of the transaction.

    FOR NO KEY UPDATE, not FOR UPDATE: the desk never changes a key, and PostgreSQL checks
    Django's deferred foreign keys at COMMIT by taking KEY SHARE locks, which FOR UPDATE blocks:
    a transaction committing a message (KEY SHARE on its conversation, after it took the event
    counter) would wait for one that holds the conversation and waits for the counter.
    `of=("self",)` keeps the lock off select_related rows (PostgreSQL refuses to lock the
    nullable side of an outer join).
    SQLite ignores it all (its writers are serialized by IMMEDIATE transactions).
    """
    return queryset.select_for_update(no_key=True, of=("self",))


def named_lock(name: str) -> None:
    named_locks([name])


def named_locks(names: Sequence[str]) -> None:
    """Serialize the transactions that name the same thing, until the end of this one.

    Used where "is it there yet?" and "it is here now, apply what waited for it" must not pass
    each other: without it, a message callback could check for its dialog while the hand-over
    is committing, and park itself just after the hand-over looked for parked callbacks.
    PostgreSQL: a transaction-scoped advisory lock; SQLite: writers are already serialized.
    Several names: all in one statement (one round trip), taken in sorted order, so that two
    transactions naming some of the same things cannot each hold one the other waits for.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("named_lock must be taken inside a transaction")
    if connection.vendor == "postgresql" and names:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS locks(name, n) ORDER BY n",
                [sorted(set(names))],
            )


def before_commit(func: Callable[[], None]) -> None:
    """Run `func` inside the current transaction, after everything else it does, just before
    it commits (`transaction.on_commit` runs after: too late to write). Dropped if the
    transaction, or the savepoint it was registered in, rolls back. operator_desk/backends/."""
    transaction.get_connection().before_commit(func)


def keep_connection() -> None:
    """Keep this thread's SQLite connection open across calls; call it in a thread that lives
    as long as the process and serves one loop (the callback intake, the sockets' reads).

    CONN_MAX_AGE is 0, as Django wants under ASGI (a thread per request), so every call in
    such a thread opened a new connection and set it up again (PRAGMAs, Django's SQL
    functions): most of the time the relay took to read the events a callback produced. Django
    still closes the connection when it breaks or a transaction was left open. PostgreSQL
    connections come from the pool, so a checkout costs little there.
    """
    if default_connection.vendor != "sqlite":
        return
    default_connection.ensure_connection()
    default_connection.close_at = None


def reconnect_afresh() -> None:
    """After the database went away, in a process that uses it from one thread (the callback
    applier, a task worker, the clock): drop the connection and the process's pool, so that the
    next query connects at once. The pool replaces lost connections itself, with pauses that
    double from a second: the database came back seconds before the process did."""
    default_connection.close()
    if default_connection.settings_dict["OPTIONS"].get("pool"):
        default_connection.close_pool()


def database_sync_to_async(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """channels' database_sync_to_async (the database thread, its connections closed when old),
    for code running in a websocket's task: each call runs in a copy of the caller's context
    and leaves the caller's context as it was.

    After each call, asgiref's SyncToAsync sets back into the caller's context every asgiref
    Local that the context holds, each as a new object (re-homed to the calling thread), so
    always. A websocket's task has a context of its own for the socket's life, and kept those
    until the socket closed: about 4 KB an idle socket, a tenth of its memory (tracemalloc in
    docs/benchmarks.md, "3. Idle sockets"). What the desk runs in that thread sets nothing its
    caller reads back (Django keeps database connections per thread).
    """

    async def call(*args: Any, **kwargs: Any) -> Any:
        context = contextvars.copy_context()
        return await DatabaseSyncToAsync(function, context=context)(*args, **kwargs)

    return call


def rows_update(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Each row's own values of `fields`, saved in one statement (`UPDATE ... SET f = CASE pk
    WHEN ... END ... WHERE pk IN (...)`). Written out, not bulk_update: building its CASE
    expressions through the ORM took more of a reply worker's time than the statement itself
    (docs/benchmarks.md, bench 5)."""
    if not rows:
        return
    meta = rows[0]._meta
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    pk = quote(meta.pk.column)
    whens = " ".join("WHEN %s THEN %s" for _ in rows)
    assignments, params = [], []
    for name in fields:
        field = meta.get_field(name)
        assignments.append(f"{quote(field.column)} = CASE {pk} {whens} END")
        for row in rows:
            value = field.get_db_prep_save(getattr(row, field.attname), connection)
            params += [row.pk, value]
    params += [row.pk for row in rows]
    ids = ", ".join("%s" for _ in rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {pk} IN ({ids})",
            params,
        )
