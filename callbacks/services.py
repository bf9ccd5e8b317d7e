"""Applying the platform's callbacks: once each, in one transaction, whatever the order.

Each body is recorded by its hash, so a re-delivery (the platform sends a body up to 8 times)
only counts. A body that refers to something the desk does not have yet is parked under
`waiting_for` and applied when that thing arrives.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from callbacks.checks import callback_check
from callbacks.models import CallbackRecord
from callbacks.repeats import repeat_record, repeats_enqueue
from contacts.services import contact_merge, contact_upsert
from conversations.inbound import conversation_handover, incoming_message_record
from conversations.statuses import reply_status_record
from fromni.callbacks import Callback, CallbackError, parse_callback
from operator_desk.db import locked, named_lock
from operator_desk.outage import database_unavailable
from outreach.services import campaign_completed_record, notification_status_record
from realtime import doorbell

log = logging.getLogger(__name__)


def body_hash(body: dict[str, Any]) -> str:
    """The identity of a delivery: the body without its secret, canonically encoded."""
    canonical = json.dumps(
        {k: v for k, v in body.items() if k != "secret"},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def conversation_key(conversation_platform_id: str) -> str:
    return f"conversation:{conversation_platform_id}"


def message_key(conversation_platform_id: str, platform_message_id: object) -> str:
    return f"message:{conversation_platform_id}:{platform_message_id}"


def _depends_on(callback: Callback) -> str:
    """The thing a callback needs, or provides, by name ("" for none): parking and replaying
    happen under a named lock of it, so the two can never pass each other."""
    data = callback.data
    match callback.kind:
        case "conversation_operator_requested":
            return conversation_key(data.id)
        case "conversation_message_created":
            return conversation_key(data.conversation_id)
        case "conversation_message_updated":
            return message_key(data.conversation_id, data.message_id)
    return ""


def _apply(callback: Callback, digest: str) -> str:
    """Apply a parsed callback. Returns what it waits for ("" once applied)."""
    data = callback.data
    key = _depends_on(callback)
    match callback.kind:
        case "conversation_message_created" | "conversation_message_updated":
            # Most find their dialog or reply at once, and its row lock is all they need. Only
            # one that does not takes the named lock its provider holds while creating it
            # (the hand-over; the send storing the reply's id), looks again, and parks if it
            # is still missing: so it either sees the thing or is parked before the provider
            # replays what waits for it. (One statement less per user message, the desk's
            # commonest callback.)
            if _apply_dependent(callback, digest):
                return ""
            named_lock(key)
            return "" if _apply_dependent(callback, digest) else key
        case "conversation_operator_requested":
            named_lock(key)
            conversation_handover(data=data)
            callbacks_replay(waiting_for=key)
        case "contact_created":
            for contact in data:
                contact_upsert(data=contact)
        case "contact_updated":
            contact_upsert(data=data)
        case "contact_merged":
            contact_merge(preserved=data.preserved_contact, deleted=data.deleted_contact)
        case "campaign_completed":
            campaign_completed_record(data=data)
        case "notification_message_updated":
            notification_status_record(data=data)
    return ""


def _apply_dependent(callback: Callback, digest: str) -> bool:
    """A user message or a reply's status: stored, or False (nothing written) when its dialog
    or reply is not there."""
    data = callback.data
    if callback.kind == "conversation_message_created":
        stored = incoming_message_record(
            conversation_platform_id=data.conversation_id,
            message=data.message,
            dedupe_key=f"callback:{digest}",
        )
    else:
        stored = reply_status_record(
            conversation_platform_id=data.conversation_id,
            platform_message_id=str(data.message_id),
            status=data.status,
        )
    return stored is not None


# The applier LISTENs on this PostgreSQL channel (callbacks/applier.py).
APPLIER_CHANNEL = "desk_callbacks"


def notify_applier() -> None:
    """Inside the accepting transaction: PostgreSQL delivers the NOTIFY at commit; elsewhere
    the loopback doorbell rings after commit."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {APPLIER_CHANNEL}")
    else:
        transaction.on_commit(lambda: doorbell.ring("callbacks"))


@dataclass(frozen=True, slots=True)
class Receipt:
    outcome: str  # accepted, duplicate, ignored
    record_id: int


def callback_accept(
    *, body: dict[str, Any], notify: bool = True, arrived_at: datetime | None = None
) -> Receipt:
    """Store one delivery durably; the applier applies it after commit.

    The platform waits for this answer, and retries what it does not get in time, so it does
    only what must be durable: check the body, record it once by its hash (a repeat is kept as
    a CallbackDelivery: a re-delivery, or for a user's message perhaps the same text again,
    which callbacks/repeats.py decides later), and ask the applier to run (`notify`; a batch
    asks once for all its bodies). `arrived_at`: when the request reached the desk (default
    now). Raises fromni.callbacks.CallbackError, before anything is written, for a malformed
    body.
    """
    callback = parse_callback(body)
    callback_check(callback)
    # No savepoint of its own inside a batch (callbacks/intake.py): the statement below either
    # records the body or counts it, and any other failure sends the whole batch one by one.
    with transaction.atomic(savepoint=False):
        (receipt,) = _accept_checked([(body, callback, arrived_at or timezone.now())])
        if notify and receipt.outcome == "accepted":
            notify_applier()
    return receipt


def callbacks_accept(
    *, bodies: list[dict[str, Any]], arrivals: list[datetime | None]
) -> list[Receipt | CallbackError]:
    """`callback_accept` for bodies that arrived together, in the caller's transaction, without
    asking the applier (the caller asks once): a receipt for each, or the CallbackError that
    refused it (nothing is written for that one).

    The new bodies go in one INSERT: on a busy machine each statement is a wait for
    PostgreSQL's process to be scheduled, and a batch of one statement per body was what the
    bodies queued behind (docs/benchmarks.md, "1. Callback ingestion")."""
    results: list[Receipt | CallbackError | None] = [None] * len(bodies)
    checked: list[tuple[int, tuple[dict[str, Any], Callback, datetime]]] = []
    for index, (body, arrived_at) in enumerate(zip(bodies, arrivals, strict=True)):
        try:
            callback = parse_callback(body)
            callback_check(callback)
        except CallbackError as error:
            results[index] = error
            continue
        checked.append((index, (body, callback, arrived_at or timezone.now())))
    with transaction.atomic(savepoint=False):
        receipts = _accept_checked([item for _, item in checked])
    for (index, _), receipt in zip(checked, receipts, strict=True):
        results[index] = receipt
    return results


def _accept_checked(items: list[tuple[dict[str, Any], Callback, datetime]]) -> list[Receipt]:
    """Record checked bodies (body, its callback, when it arrived): the first copy of each body
    in one statement, any later copy in the same batch after it, as a repeat."""
    digests = [body_hash(body) for body, _, _ in items]
    firsts: dict[str, int] = {}
    for index, digest in enumerate(digests):
        firsts.setdefault(digest, index)
    recorded = _record_many([_record_row(*items[i], digest=digests[i]) for i in firsts.values()])
    receipts = []
    for index, (body, callback, arrived_at) in enumerate(items):
        digest = digests[index]
        if firsts[digest] == index:
            record_id, new = recorded[digest]
        else:  # the same body twice in one batch: the second is a repeat of the first
            row = _record_row(body, callback, arrived_at, digest=digest)
            record_id, new = _record_many([row])[digest]
        receipts.append(_receipt(callback, record_id=record_id, new=new, arrived_at=arrived_at))
    return receipts


def _receipt(callback: Callback, *, record_id: int, new: bool, arrived_at: datetime) -> Receipt:
    if not new:
        repeat_record(
            record_id=record_id,
            kind=callback.kind if callback.known else "",
            conversation_platform_id=_dialog_of(callback),
            arrived_at=arrived_at,
        )
        return Receipt("duplicate", record_id)
    if not callback.known:
        log.warning("callback of unknown kind %r kept as record %s", callback.kind, record_id)
        return Receipt("ignored", record_id)
    return Receipt("accepted", record_id)


def _dialog_of(callback: Callback) -> str:
    return callback.data.conversation_id if callback.kind == "conversation_message_created" else ""


def _record_row(
    body: dict[str, Any], callback: Callback, arrived_at: datetime, *, digest: str
) -> dict[str, Any]:
    """The record's columns for a body first seen now (`digest`: its body_hash)."""
    now = timezone.now()
    return {
        "kind": callback.kind,
        "body_hash": digest,
        "body": {k: v for k, v in body.items() if k != "secret"},
        "known": callback.known,
        "missing": list(callback.missing),
        "deliveries": 1,
        "first_arrived_at": arrived_at,
        "first_received_at": now,
        "last_received_at": now,
        "waiting_for": "",
        "attempts": 0,
        "last_error": "",
    }


def _record_many(rows: list[dict[str, Any]]) -> dict[str, tuple[int, bool]]:
    """Insert each record, or count one more delivery of the same body: one statement for all
    (INSERT ... ON CONFLICT ... RETURNING, on PostgreSQL and SQLite alike), so concurrent
    deliveries of one body neither fail nor need a savepoint. The rows' bodies must differ (a
    statement may not update one row twice). Returns (id, whether new) by body hash."""
    if not rows:
        return {}
    connection = transaction.get_connection()
    fields = {name: CallbackRecord._meta.get_field(name) for name in _RECORD_COLUMNS}
    quote = connection.ops.quote_name
    table = quote(CallbackRecord._meta.db_table)
    columns = ", ".join(quote(fields[name].column) for name in _RECORD_COLUMNS)
    deliveries, last = quote(fields["deliveries"].column), quote(fields["last_received_at"].column)
    digest = quote(fields["body_hash"].column)
    one_row = f"({', '.join(['%s'] * len(_RECORD_COLUMNS))})"
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([one_row] * len(rows))} "
        f"ON CONFLICT ({digest}) DO UPDATE SET "
        f"{deliveries} = {table}.{deliveries} + 1, {last} = excluded.{last} "
        f"RETURNING {quote(CallbackRecord._meta.pk.column)}, {deliveries}, {digest}"
    )
    params = [
        fields[name].get_db_prep_save(row[name], connection)
        for row in rows
        for name in _RECORD_COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {digest: (record_id, delivered == 1) for record_id, delivered, digest in cursor}


# The record's columns set on insert (applied_at and retry_after are NULL).
_RECORD_COLUMNS = (
    "kind",
    "body_hash",
    "body",
    "known",
    "missing",
    "deliveries",
    "first_arrived_at",
    "first_received_at",
    "last_received_at",
    "waiting_for",
    "attempts",
    "last_error",
)


def _apply_record(record: CallbackRecord) -> str:
    """Apply a stored body (the caller holds its row lock). Returns applied or parked."""
    callback = parse_callback(record.body)
    waiting = _apply(callback, record.body_hash)
    record.waiting_for = waiting
    record.applied_at = None if waiting else timezone.now()
    record.retry_after = None
    record.save(update_fields=["waiting_for", "applied_at", "retry_after"])
    if not waiting:
        _repeats_may_go_on(record, callback)
    return "parked" if waiting else "applied"


def _repeats_may_go_on(record: CallbackRecord, callback: Callback) -> None:
    """A user message delivered more than once, applied only now (it waited for its dialog):
    its repeats, which waited for this first copy, are reconciled at once."""
    if record.deliveries > 1 and callback.kind == "conversation_message_created":
        repeats_enqueue(conversation_platform_id=callback.data.conversation_id)


def _pending(*, older_than: timedelta | None) -> QuerySet[CallbackRecord]:
    now = timezone.now()
    pending = CallbackRecord.objects.filter(applied_at=None, waiting_for="", known=True).filter(
        Q(retry_after=None) | Q(retry_after__lte=now)
    )
    if older_than is not None:
        pending = pending.filter(first_received_at__lt=now - older_than)
    # skip_locked: several appliers (and the clock) share the queue without waiting.
    return pending.select_for_update(skip_locked=True, no_key=True).order_by("id")


# An operator's action on a dialog a batch has touched waits for the batch to commit: a batch
# takes no more bodies after this long (the rest go in the next one), so that wait stays short.
BATCH_SECONDS = 0.025


def callbacks_apply_pending(
    *, limit: int = 500, batch: int = 50, older_than: timedelta | None = None
) -> int:
    """Apply stored bodies in arrival order; returns how many were handled.

    Whatever is waiting (up to `batch`, and as much as BATCH_SECONDS allows) is applied in one
    transaction: under load that is one commit for many callbacks, when quiet a batch of one.
    Each callback is still all or nothing: if any fails, the batch is rolled back and applied
    one by one, so only the faulty body waits for a retry (with backoff; it is never dropped).
    If the database is away, nothing is marked: the error is raised for the caller to retry.
    """
    handled = 0
    while handled < limit:
        records: list[CallbackRecord] = []
        cut_short = False
        try:
            with transaction.atomic():
                records = list(_pending(older_than=older_than)[:batch])
                deadline = time.monotonic() + BATCH_SECONDS
                for taken, record in enumerate(records, start=1):
                    _apply_record(record)
                    if taken < len(records) and time.monotonic() > deadline:
                        records, cut_short = records[:taken], True
                        break
        except Exception as error:
            if not records or database_unavailable(error):
                raise
            _apply_one_by_one([record.pk for record in records])
        if not records:
            return handled
        handled += len(records)
        if len(records) < batch and not cut_short:
            # That was all that waited: looking again would find nothing but what arrived
            # since, and whoever runs this is told of that (the applier's NOTIFY or doorbell).
            # An empty look is a transaction of its own: a third of the applier's queries.
            return handled
    return handled


def _apply_one_by_one(record_ids: list[int]) -> None:
    for record_id in record_ids:
        try:
            with transaction.atomic():
                record = _pending(older_than=None).filter(pk=record_id).first()
                if record is not None:
                    _apply_record(record)
        except Exception as error:
            if database_unavailable(error):
                raise  # not the body's fault: it stays pending as it was
            _apply_failed(record_id, error)


def _apply_failed(record_id: int, error: Exception) -> None:
    log.exception("applying callback record %s failed; will retry", record_id)
    with transaction.atomic():
        record = locked(CallbackRecord.objects).get(pk=record_id)
        record.attempts += 1
        delay = min(300, 2**record.attempts)
        record.retry_after = timezone.now() + timedelta(seconds=delay)
        record.last_error = f"{type(error).__name__}: {error}"[:2000]
        record.save(update_fields=["attempts", "retry_after", "last_error"])


def callback_receive(*, body: dict[str, Any]) -> str:
    """Accept a delivery and apply what is pending, here and now: for scripts and tests that
    have no applier thread. Returns applied, parked, duplicate or ignored."""
    receipt = callback_accept(body=body)
    if receipt.outcome != "accepted":
        return receipt.outcome
    # An applier process, if one runs, may be applying it right now (the row is locked then).
    deadline = time.monotonic() + 10
    while True:
        callbacks_apply_pending()
        record = CallbackRecord.objects.get(pk=receipt.record_id)
        if record.applied_at or record.waiting_for or time.monotonic() > deadline:
            return "applied" if record.applied_at else "parked"
        time.sleep(0.01)


def callbacks_replay(*, waiting_for: str) -> int:
    """Apply the callbacks parked until `waiting_for` appeared (in the caller's transaction)."""
    parked = locked(CallbackRecord.objects).filter(waiting_for=waiting_for, applied_at=None)
    applied = 0
    for record in parked.order_by("first_received_at", "id"):
        callback = parse_callback(record.body)
        still_waiting = _apply(callback, record.body_hash)
        if not still_waiting:
            record.waiting_for = ""
            record.applied_at = timezone.now()
            record.save(update_fields=["waiting_for", "applied_at"])
            _repeats_may_go_on(record, callback)
            applied += 1
    return applied
