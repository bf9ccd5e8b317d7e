"""The durable outbox of operator replies, on django-tasks (database backend).

A reply is stored as `queued` by `reply_create`, then a worker task sends it:

    queued --claim--> sending --answer--> sent (then the platform's statuses)
                         |--error, may help to retry--> queued again, after a backoff
                         |--error, final or too many tries--> failed (the operator may retry)
                         '--no answer (timeout, dropped, worker died)--> checking

`checking` means the platform may or may not have the message. The platform has no idempotency
keys, so instead of sending blindly again the desk reads the dialog's messages and looks for it:
found, it adopts the platform's messageId; not found, it queues the reply again.

Two workers never send the same reply: the claim is a conditional update of `delivery` under a
row lock, and only one can move it from queued to sending.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from callbacks.services import callbacks_replay, message_key
from conversations.models import DeliveryState, Message, MessageKind
from conversations.services import message_event_emit, reply_status_apply
from fromni.errors import FromniAPIError, FromniError, FromniTransportError
from operator_desk.db import locked, named_lock
from operator_desk.platform import platform_client

log = logging.getLogger(__name__)


def outbox_enqueue(*, message_id: int, delay: float = 0) -> None:
    run_after = timezone.now() + timedelta(seconds=delay) if delay > 0 else None
    send_reply.using(run_after=run_after).enqueue(message_id)


def _check_enqueue(*, message_id: int, delay: float) -> None:
    check_reply.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(message_id)


@task()
def send_reply(message_id: int) -> None:
    reply_send_attempt(message_id=message_id)


@task()
def check_reply(message_id: int) -> None:
    reply_check(message_id=message_id)


def _backoff(attempt: int) -> float:
    base = settings.DESK_SEND_RETRY_BASE_SECONDS
    cap = settings.DESK_SEND_RETRY_MAX_SECONDS
    return min(cap, base * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


def _locked_reply(message_id: int) -> Message | None:
    return (
        locked(Message.objects)
        .select_related("conversation", "conversation__assignee")
        .filter(pk=message_id, kind=MessageKind.OUTGOING)
        .first()
    )


def _set(message: Message, delivery: str, detail: str = "", **fields) -> None:
    message.delivery = delivery
    message.delivery_detail = detail
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=["delivery", "delivery_detail", *fields])
    message_event_emit(message, "message_status")


@transaction.atomic
def _claim(message_id: int) -> Message | None:
    message = _locked_reply(message_id)
    if message is None or message.delivery != DeliveryState.QUEUED:
        return None  # sent, failed, or being sent by another worker
    if not message.conversation.window_open():
        closed_at = message.conversation.window_closed_at()
        _set(
            message,
            DeliveryState.FAILED,
            f"The messaging window closed at {closed_at} before the reply could be sent.",
        )
        return None
    _set(
        message,
        DeliveryState.SENDING,
        attempts=message.attempts + 1,
        sending_started_at=timezone.now(),
        next_attempt_at=None,
    )
    return message


def reply_send_attempt(*, message_id: int) -> None:
    """One attempt to send a queued reply (the worker's task)."""
    message = _claim(message_id)
    if message is None:
        return
    try:
        result = platform_client().conversations_send(
            message.conversation.platform_id, message.text or None, message.attachments
        )
    except FromniError as error:
        _after_failure(message_id, error)
        return
    reply_sent(
        message_id=message_id,
        platform_message_id=str(result.message_id),
        status=result.status or DeliveryState.SENT,
    )


@transaction.atomic
def reply_sent(*, message_id: int, platform_message_id: str, status: str) -> None:
    """The platform took the reply: record its messageId, then any status that came early."""
    message = _locked_reply(message_id)
    if message is None or message.platform_message_id == platform_message_id:
        return  # gone, or recorded already (a check and a late answer can both report it)
    # Statuses that arrive before this answer park under this name; take it before the id
    # becomes visible, so a status is either parked before we replay, or finds the id.
    named_lock(message_key(message.conversation.platform_id, platform_message_id))
    message.platform_message_id = platform_message_id
    message.delivery = DeliveryState.SENDING  # so that reply_status_apply ranks from scratch
    message.delivery_detail = ""
    message.save(update_fields=["platform_message_id"])
    reply_status_apply(message, status if status in DeliveryState.values else DeliveryState.SENT)
    callbacks_replay(waiting_for=message_key(message.conversation.platform_id, platform_message_id))


@transaction.atomic
def _after_failure(message_id: int, error: FromniError) -> None:
    message = _locked_reply(message_id)
    if message is None or message.delivery != DeliveryState.SENDING:
        return
    if isinstance(error, FromniTransportError) and error.maybe_delivered:
        _set(message, DeliveryState.CHECKING, f"No answer from the platform ({error}); checking.")
        transaction.on_commit(
            lambda: _check_enqueue(message_id=message_id, delay=settings.DESK_SEND_CHECK_DELAY)
        )
        return
    # Unreachable (nothing was sent): worth trying for as long as the window is open (the
    # next claim fails it once the window closes). An error answer: only so many times.
    unreachable = isinstance(error, FromniTransportError)
    retry = error.retryable and (unreachable or message.attempts < settings.DESK_SEND_MAX_ATTEMPTS)
    if not retry:
        reason = error.message if isinstance(error, FromniAPIError) else str(error)
        _set(message, DeliveryState.FAILED, f"The platform refused the reply: {reason}")
        return
    delay = _backoff(message.attempts)
    _set(
        message,
        DeliveryState.QUEUED,
        f"Attempt {message.attempts} failed ({error}); retrying in {delay:.0f} s.",
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    transaction.on_commit(lambda: outbox_enqueue(message_id=message_id, delay=delay))


def reply_check(*, message_id: int) -> None:
    """Find out whether a reply in `checking` reached the platform (the worker's task)."""
    with transaction.atomic():
        message = _locked_reply(message_id)
        if message is None or message.delivery != DeliveryState.CHECKING:
            return
        conversation = message.conversation
        started = message.sending_started_at or message.created_at
        taken = set(
            conversation.messages.exclude(pk=message.pk)
            .exclude(platform_message_id=None)
            .values_list("platform_message_id", flat=True)
        )
    try:
        dialog = platform_client().conversations_messages(conversation.platform_id)
    except FromniError as error:
        log.info("checking reply %s: platform unavailable (%s); later", message_id, error)
        _check_enqueue(message_id=message_id, delay=_backoff(2))
        return
    # Clocks differ between the desk and the platform; a minute of slack is plenty and a false
    # match needs the same text from the same dialog in that minute.
    since = started - timedelta(seconds=60)
    found = next(
        (
            item
            for item in dialog
            if item.out
            and (item.text or "") == message.text
            and str(item.id) not in taken
            and (item.date is None or item.date >= since)
        ),
        None,
    )
    if found is not None:
        reply_sent(
            message_id=message_id,
            platform_message_id=str(found.id),
            status=found.status or DeliveryState.SENT,
        )
        return
    with transaction.atomic():
        message = _locked_reply(message_id)
        if message is None or message.delivery != DeliveryState.CHECKING:
            return
        _set(message, DeliveryState.QUEUED, "The platform does not have it; sending again.")
        transaction.on_commit(lambda: outbox_enqueue(message_id=message_id))


@transaction.atomic
def replies_recover_stale(*, older_than: timedelta) -> int:
    """Replies stuck in `sending` (their worker died mid-send) go to `checking`."""
    cutoff = timezone.now() - older_than
    stuck = list(
        locked(Message.objects)
        .select_related("conversation", "conversation__assignee")
        .filter(delivery=DeliveryState.SENDING, sending_started_at__lt=cutoff)
    )
    for message in stuck:
        _set(message, DeliveryState.CHECKING, "The worker stopped while sending; checking.")
        transaction.on_commit(lambda pk=message.pk: _check_enqueue(message_id=pk, delay=0))
    return len(stuck)


@transaction.atomic
def replies_requeue_unclaimed(*, older_than: timedelta) -> int:
    """Replies due for longer than `older_than` that no worker has claimed get a task again.

    Their task was lost (its worker died, or the database went away, after the task was taken
    and before the reply was claimed; or the database went away between the reply's commit and
    its task's) or no reply worker is running. A second task for the same reply is harmless:
    only one can claim it. Each is queued again at most once per `older_than`."""
    now = timezone.now()
    cutoff = now - older_than
    unclaimed = list(
        locked(Message.objects)
        .filter(kind=MessageKind.OUTGOING, delivery=DeliveryState.QUEUED)
        .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at=None, created_at__lt=cutoff))
        .values_list("pk", flat=True)
    )
    if not unclaimed:
        return 0
    Message.objects.filter(pk__in=unclaimed).update(next_attempt_at=now)
    for pk in unclaimed:
        transaction.on_commit(lambda pk=pk: outbox_enqueue(message_id=pk))
    log.warning(
        "%d replies waited more than %.0f s for a worker; queued again (is a reply worker "
        "running?)",
        len(unclaimed),
        older_than.total_seconds(),
    )
    return len(unclaimed)
