"""Applying the platform's callbacks: once each, in one transaction, whatever the order.

Each body is recorded by its hash, so a re-delivery (the platform sends a body up to 8 times)
only counts. A body that refers to something the desk does not have yet is parked under
`waiting_for` and applied when that thing arrives.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from callbacks.models import CallbackRecord
from contacts.services import contact_merge, contact_upsert
from conversations.services import (
    conversation_handover,
    incoming_message_record,
    reply_status_record,
)
from fromni.callbacks import Callback, parse_callback
from outreach.services import campaign_completed_record, notification_status_record

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


def _apply(callback: Callback, digest: str) -> str:
    """Apply a parsed callback. Returns what it waits for ("" once applied)."""
    data = callback.data
    match callback.kind:
        case "conversation_operator_requested":
            conversation_handover(data=data)
            callbacks_replay(waiting_for=f"conversation:{data.id}")
        case "conversation_message_created":
            stored = incoming_message_record(
                conversation_platform_id=data.conversation_id,
                message=data.message,
                dedupe_key=f"callback:{digest}",
            )
            if stored is None:
                return f"conversation:{data.conversation_id}"
        case "conversation_message_updated":
            stored = reply_status_record(
                conversation_platform_id=data.conversation_id,
                platform_message_id=str(data.message_id),
                status=data.status,
            )
            if stored is None:
                return f"message:{data.conversation_id}:{data.message_id}"
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


@transaction.atomic
def callback_receive(*, body: dict[str, Any]) -> str:
    """Record and apply one delivery. Returns the outcome: applied, parked, duplicate, ignored.

    Raises fromni.callbacks.CallbackError (before anything is written) for a malformed body.
    """
    callback = parse_callback(body)
    digest = body_hash(body)
    now = timezone.now()
    stored = {k: v for k, v in body.items() if k != "secret"}
    try:
        with transaction.atomic():
            record = CallbackRecord.objects.create(
                kind=callback.kind,
                body_hash=digest,
                body=stored,
                known=callback.known,
                first_received_at=now,
                last_received_at=now,
            )
    except IntegrityError:
        CallbackRecord.objects.filter(body_hash=digest).update(
            deliveries=F("deliveries") + 1, last_received_at=now
        )
        return "duplicate"
    if not callback.known:
        log.warning("callback of unknown kind %r kept as record %s", callback.kind, record.pk)
        return "ignored"
    waiting = _apply(callback, digest)
    if waiting:
        record.waiting_for = waiting
        record.save(update_fields=["waiting_for"])
        return "parked"
    record.applied_at = now
    record.save(update_fields=["applied_at"])
    return "applied"


def callbacks_replay(*, waiting_for: str) -> int:
    """Apply the callbacks parked until `waiting_for` appeared (in the caller's transaction)."""
    parked = CallbackRecord.objects.select_for_update().filter(
        waiting_for=waiting_for, applied_at=None
    )
    applied = 0
    for record in parked.order_by("first_received_at", "id"):
        still_waiting = _apply(parse_callback(record.body), record.body_hash)
        if not still_waiting:
            record.waiting_for = ""
            record.applied_at = timezone.now()
            record.save(update_fields=["waiting_for", "applied_at"])
            applied += 1
    return applied
