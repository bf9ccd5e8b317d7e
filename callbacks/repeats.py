"""A body delivered again: the platform re-sending it, or a user saying the same thing again.

A callback's identity is the hash of its body, and a user's message carries no id: "ok" sent
twice is the same body twice. The platform re-sends a body only when it got no 2xx within its
timeout, so a repeat of a body the desk answered at once is most likely a new message, and of
one it answered late most likely a re-delivery; but the desk cannot know whether its answer
arrived. The platform's list of the dialog's messages (conversations/messages) can tell: it
has the user's real messages, with dates. So a repeated user message is kept `pending`
(callbacks.models.CallbackDelivery), and this module, off the intake's path (a worker task),
counts the user's messages with that content since the hand-over there and here: each one the
desk lacks turns a pending repeat into a message of its own (after the others, in arrival
order); the rest were re-deliveries. If the platform cannot be asked, the repeat waits and is
tried again later, never dropped; if it refuses to list the dialog, a repeat counts once.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task

from callbacks.models import CallbackDelivery, CallbackRecord, Resolution
from conversations.inbound import incoming_message_record
from conversations.models import Conversation, MessageKind
from fromni.callbacks import IncomingMessage, parse_callback
from fromni.errors import FromniError
from fromni.loose import attachment_from
from fromni.models import DialogMessage
from operator_desk import queues
from operator_desk.db import locked
from operator_desk.platform import platform_client

log = logging.getLogger(__name__)

# The desk's first sight of a hand-over trails the platform's by the delivery (and any clock
# difference); user messages this much older than it may still be of the live dialog.
HANDOVER_SLACK = timedelta(seconds=10)
# A pending repeat whose task has not run this long after it was due is enqueued again.
STALE = timedelta(seconds=60)


@task(queue_name=queues.BACKGROUND)
def reconcile_repeats(conversation_platform_id: str) -> None:
    repeats_reconcile(conversation_platform_id=conversation_platform_id)


def repeats_enqueue(*, conversation_platform_id: str, delay: float = 0) -> None:
    run_after = timezone.now() + timedelta(seconds=delay) if delay > 0 else None
    reconcile_repeats.using(run_after=run_after).enqueue(conversation_platform_id)


def repeat_record(
    *, record_id: int, kind: str, conversation_platform_id: str, arrived_at: datetime
) -> CallbackDelivery:
    """Keep a repeated delivery (in the intake's transaction). A user message's repeat is left
    to reconcile; any other kind's can only be a re-delivery."""
    message = kind == "conversation_message_created"
    now = timezone.now()
    delivery = CallbackDelivery.objects.create(
        record_id=record_id,
        arrived_at=arrived_at,
        answered_at=now,
        resolution=Resolution.PENDING if message else Resolution.REDELIVERY,
        conversation_platform_id=conversation_platform_id if message else "",
        retry_after=now if message else None,
    )
    if message:
        repeats_enqueue(conversation_platform_id=conversation_platform_id)
    return delivery


def _content(text: str | None, attachments: Sequence[Any]) -> tuple[str, str]:
    """What makes two messages the same message: their text and attachments."""
    shown = [attachment_from(item) for item in attachments]
    return text or "", json.dumps(shown, sort_keys=True, ensure_ascii=False)


def _incoming(record: CallbackRecord) -> IncomingMessage:
    return parse_callback(record.body).data.message


def repeats_reconcile(*, conversation_platform_id: str) -> int:
    """Decide the pending repeats of one dialog; returns how many were decided.

    Only repeats whose body has been applied (its first message stored) and that were stored
    before the platform was asked are decided: the platform stores a message before it sends
    its callback, so the list it gives then has every message those deliveries carried."""
    pending = CallbackDelivery.objects.filter(
        resolution=Resolution.PENDING, conversation_platform_id=conversation_platform_id
    )
    ready = list(pending.filter(record__applied_at__isnull=False).values_list("pk", flat=True))
    if not ready:
        _postpone(pending, "its first delivery is not applied yet")
        return 0
    asked_at, refusal = timezone.now(), ""
    try:
        listing: list[DialogMessage] | None = platform_client().conversations_messages(
            conversation_platform_id
        )
    except FromniError as error:
        if error.retryable:
            _postpone(pending, f"the platform could not be asked: {error}")
            return 0
        log.warning(
            "dialog %s not listed (%s): its repeats count once", conversation_platform_id, error
        )
        listing, refusal = None, str(error)
    conversation = Conversation.objects.get(platform_id=conversation_platform_id)
    decided = 0
    with transaction.atomic():
        repeats = list(
            locked(CallbackDelivery.objects)
            .filter(pk__in=ready, resolution=Resolution.PENDING, answered_at__lte=asked_at)
            .select_related("record")
            .order_by("arrived_at", "pk")
        )
        groups: dict[tuple[str, str], list[CallbackDelivery]] = defaultdict(list)
        for repeat in repeats:
            message = _incoming(repeat.record)
            groups[_content(message.text, message.attachments)].append(repeat)
        for content, group in groups.items():
            if listing is None:
                _decide_unlisted(group, refusal)
            else:
                _decide_by_platform(conversation, content, group, listing)
            decided += len(group)
    left = pending.exclude(pk__in=[repeat.pk for repeat in repeats])
    if left.exists():
        _postpone(left, "it arrived after the platform was asked, or before its first copy")
    return decided


def _decide_by_platform(
    conversation: Conversation,
    content: tuple[str, str],
    group: list[CallbackDelivery],
    listing: list[DialogMessage],
) -> None:
    live = _since_handover(conversation, listing)
    platform_has = sum(1 for item in live if _content(item.text, item.attachments) == content)
    desk_has = sum(
        1
        for text, attachments in conversation.messages.filter(
            kind=MessageKind.INCOMING, text=content[0]
        ).values_list("text", "attachments")
        if _content(text, attachments) == content
    )
    for repeat in group:
        said = (
            f"the platform lists {platform_has} such message(s) from the user since the "
            f"hand-over, the desk had {desk_has}"
        )
        if platform_has > desk_has:
            _as_message(repeat, said)
            desk_has += 1
        else:
            _as_redelivery(repeat, said)


def _since_handover(
    conversation: Conversation, listing: list[DialogMessage]
) -> list[DialogMessage]:
    """The user's messages of the live dialog. The platform does not say when it handed the
    dialog over; the desk saw it at `conversation.created_at`. The bot is silent once it has
    handed over, so its last message before then, if recent, marks the hand-over exactly;
    otherwise HANDOVER_SLACK before the desk saw it does. The desk's own replies are not the
    bot's."""
    seen = conversation.created_at
    replies = {
        str(platform_id)
        for platform_id in conversation.messages.filter(kind=MessageKind.OUTGOING)
        .exclude(platform_message_id=None)
        .values_list("platform_message_id", flat=True)
    }
    bot = [
        item.date
        for item in listing
        if item.out and item.date is not None and item.date <= seen and str(item.id) not in replies
    ]
    since = max([*bot, seen - HANDOVER_SLACK])
    return [item for item in listing if not item.out and (item.date is None or item.date > since)]


def _decide_unlisted(group: list[CallbackDelivery], refusal: str) -> None:
    """Without the platform's list nothing tells a user's same text again from the platform
    sending a body again (which it may do up to 8 times, and whose answers the desk cannot
    know were received): each such repeat counts once, as a re-delivery, and says why. Every
    delivery stays recorded (CallbackDelivery), so nothing the platform sent is lost."""
    for repeat in group:
        _as_redelivery(
            repeat,
            f"the platform did not list the dialog ({refusal}); counted once, as without its "
            "list a repeat cannot be told from a re-delivery",
        )


def _as_message(repeat: CallbackDelivery, note: str) -> None:
    record = repeat.record
    copies = record.repeats.filter(resolution=Resolution.MESSAGE).count()
    message = incoming_message_record(
        conversation_platform_id=repeat.conversation_platform_id,
        message=_incoming(record),
        # The first copy's key is the body's; each further one numbered after it.
        dedupe_key=f"callback:{record.body_hash}:{copies + 2}",
        created_at=repeat.arrived_at,
    )
    repeat.resolution, repeat.message, repeat.note = Resolution.MESSAGE, message, note
    repeat.save(update_fields=["resolution", "message", "note"])


def _as_redelivery(repeat: CallbackDelivery, note: str) -> None:
    repeat.resolution, repeat.note = Resolution.REDELIVERY, note
    repeat.save(update_fields=["resolution", "note"])


def _postpone(repeats: QuerySet[CallbackDelivery], reason: str) -> None:
    """Try these again later, with a backoff; they stay pending (never dropped). The task is
    queued in the same transaction (the queue is a table), so the two cannot part."""
    now = timezone.now()
    due: dict[str, int] = {}
    with transaction.atomic():
        for repeat in locked(CallbackDelivery.objects).filter(pk__in=repeats.values("pk")):
            repeat.attempts = min(repeat.attempts + 1, 1000)
            delay = min(300, 2 ** min(repeat.attempts, 9))
            repeat.retry_after, repeat.note = now + timedelta(seconds=delay), f"waits: {reason}"
            repeat.save(update_fields=["attempts", "retry_after", "note"])
            dialog = repeat.conversation_platform_id
            due[dialog] = min(delay, due.get(dialog, delay))
        for dialog, delay in due.items():
            repeats_enqueue(conversation_platform_id=dialog, delay=delay)


def repeats_recover_stale(*, limit: int = 100) -> int:
    """Enqueue again the dialogs of pending repeats whose task never ran (a worker died, the
    queue was lost). For the clock (desk/clock.py)."""
    due = (
        CallbackDelivery.objects.filter(resolution=Resolution.PENDING)
        .filter(Q(retry_after=None) | Q(retry_after__lt=timezone.now() - STALE))
        .values_list("conversation_platform_id", flat=True)
        .distinct()[:limit]
    )
    found = list(due)
    for conversation_platform_id in found:
        CallbackDelivery.objects.filter(
            resolution=Resolution.PENDING, conversation_platform_id=conversation_platform_id
        ).update(retry_after=timezone.now())
        repeats_enqueue(conversation_platform_id=conversation_platform_id)
    return len(found)
