"""The durable outbox of operator replies, on django-tasks (database backend).

A reply is stored as `queued` by `reply_create`, then a worker task sends it:

    queued --claim--> sending --answer--> sent (then the platform's statuses)
                         |--outage (unreachable, 5xx)--> queued again, after a backoff
                         |--refusal in words the desk does not know--> queued again, in seconds,
                         |      twice at most (DESK_SEND_REFUSAL_RETRIES)
                         |--known refusal, or too many tries--> failed (the operator may retry)
                         '--no answer (timeout, dropped, worker died)--> checking

    checking --found on the platform--> sent;  --not there--> queued;  --outage--> checking
             --the platform refuses to show the dialog--> failed (it may have the reply)

A refusal is the platform's answer to this reply (fromni.errors.FromniRefusal): it is never
retried on the outage schedule. "Operator mode is not active" also closes the dialog's window
in the desk (conversations/window.py), exactly as the clock closes it at `expiresAt`.

`checking` means the platform may or may not have the message. The platform has no idempotency
keys, so instead of sending blindly again the desk reads the dialog's messages and looks for it:
found, it adopts the platform's messageId; not found, it queues the reply again, but only when
that list shows the operator's sends at all (else `failed`, "not confirmed": see reply_check).

Two workers never send the same reply: the claim is a conditional update of `delivery` under a
row lock, and only one can move it from queued to sending. The tasks run on the replies queue,
whose workers run nothing else (operator_desk/queues.py).

A dialog's replies reach the platform in the order the operators wrote them: a reply is not
claimed while an earlier one of its dialog is still queued, sending or checking (with two
workers, the second reply's send could otherwise overtake the first's). It waits without a
task of its own; the earlier reply's end (sent or failed) wakes it. Replies of different
dialogs never wait for each other.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from conversations.events import message_event_emit
from conversations.models import DeliveryState, Message, MessageKind
from conversations.signals import reply_identified
from conversations.statuses import reply_status_apply
from conversations.window import conversation_operator_mode_end
from fromni.errors import FromniError, FromniRefusal, FromniTransportError
from operator_desk import queues
from operator_desk.db import locked
from operator_desk.platform import platform_client

log = logging.getLogger(__name__)

UNCONFIRMED = (
    "Not confirmed: the platform did not answer the send, and its list of this dialog's "
    "messages shows none of the operator's replies, so it cannot tell whether this one arrived. "
    "It was not sent again; check the dialog on the platform and retry it if it is missing."
)


# A reply in one of these may still reach the platform: the dialog's later replies wait for it.
UNFINISHED = (DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.CHECKING)
# A worker that sent a reply goes on with its dialog's next due one, in the same task (no
# wake-up task, no poll in between); this many at most, then the rest gets a task of its own,
# so one dialog's long run does not keep a worker from the others.
CONVERSATION_RUN = 20


def outbox_enqueue(
    *, message_id: int, delay: float = 0, refusals: int = 0, server_errors: int = 0
) -> None:
    """Send the reply (again) after `delay` seconds; `refusals`: how many refusals in unknown
    words it has had in a row; `server_errors`: how many 5xx answers (DESK_SEND_MAX_ATTEMPTS
    caps those, not the tries that found the platform unreachable)."""
    run_after = timezone.now() + timedelta(seconds=delay) if delay > 0 else None
    send_reply.using(run_after=run_after).enqueue(message_id, refusals, server_errors)


def _check_enqueue(*, message_id: int, delay: float, refusals: int = 0) -> None:
    run_after = timezone.now() + timedelta(seconds=delay)
    check_reply.using(run_after=run_after).enqueue(message_id, refusals)


@task(queue_name=queues.REPLIES)
def send_reply(message_id: int, refusals: int = 0, server_errors: int = 0) -> None:
    reply_send_attempt(message_id=message_id, refusals=refusals, server_errors=server_errors)


@task(queue_name=queues.REPLIES)
def check_reply(message_id: int, refusals: int = 0) -> None:
    reply_check(message_id=message_id, refusals=refusals)


def _backoff(attempt: int) -> float:
    """Seconds before the next try: doubling from DESK_SEND_RETRY_BASE_SECONDS, never over
    DESK_SEND_RETRY_MAX_SECONDS (the documented cap); the jitter, which spreads the retries of
    replies that failed together, only ever shortens a delay."""
    base = settings.DESK_SEND_RETRY_BASE_SECONDS
    cap = settings.DESK_SEND_RETRY_MAX_SECONDS
    # The exponent is bounded: an unreachable platform is retried for as long as the window
    # is open, and 2 ** attempts must not overflow a float.
    return min(cap, base * 2 ** min(max(attempt - 1, 0), 32)) * random.uniform(0.8, 1.0)


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
    if delivery not in UNFINISHED:
        _wake_next_after_commit(message)


def _earlier_unfinished(message: Message):
    """The dialog's replies written before this one that may still reach the platform: before
    in the order the operators see the dialog (created_at, then id)."""
    return Message.objects.filter(
        Q(created_at__lt=message.created_at) | Q(created_at=message.created_at, pk__lt=message.pk),
        conversation_id=message.conversation_id,
        kind=MessageKind.OUTGOING,
        delivery__in=UNFINISHED,
    )


def _wake_next_after_commit(message: Message) -> None:
    """The reply is over (sent or failed): the dialog's next reply, if one waits, gets its
    task once this is committed (the next claim must see this reply finished)."""
    conversation_id = message.conversation_id
    transaction.on_commit(lambda: _wake_next(conversation_id))


def _wake_next(conversation_id: int) -> None:
    waiting = _next_due(conversation_id)
    if waiting is not None:
        outbox_enqueue(message_id=waiting)


def _next_due(conversation_id: int) -> int | None:
    """The dialog's first queued reply that is due (one in its backoff keeps its own time)."""
    return (
        Message.objects.filter(
            conversation_id=conversation_id,
            kind=MessageKind.OUTGOING,
            delivery=DeliveryState.QUEUED,
        )
        .filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=timezone.now()))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


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
    if _earlier_unfinished(message).exists():
        return None  # its turn comes when the earlier one is sent or fails (_wake_next)
    _set(
        message,
        DeliveryState.SENDING,
        attempts=message.attempts + 1,
        sending_started_at=timezone.now(),
        next_attempt_at=None,
    )
    return message


def reply_send_attempt(*, message_id: int, refusals: int = 0, server_errors: int = 0) -> None:
    """One attempt to send a queued reply (the worker's task); once it is sent, the dialog's
    next due reply, up to CONVERSATION_RUN of them."""
    for _ in range(CONVERSATION_RUN):
        conversation_id = _send_once(message_id, refusals=refusals, server_errors=server_errors)
        if conversation_id is None:
            return  # not sent (a failure wakes the next one itself), or not this worker's
        message_id = _next_due(conversation_id)
        if message_id is None:
            return
        refusals = server_errors = 0
    outbox_enqueue(message_id=message_id)


def _send_once(message_id: int, *, refusals: int, server_errors: int) -> int | None:
    """Claim and send the reply; its conversation's id if it was sent."""
    message = _claim(message_id)
    if message is None:
        return None
    try:
        result = platform_client().conversations_send(
            message.conversation.platform_id, message.text or None, message.attachments
        )
    except FromniError as error:
        _after_failure(message_id, error, refusals=refusals, server_errors=server_errors)
        if isinstance(error, FromniRefusal) and error.reason == "operator_mode_inactive":
            conversation_operator_mode_end(conversation_id=message.conversation_id)
        return None
    reply_sent(
        message_id=message_id,
        platform_message_id=str(result.message_id),
        status=result.status or DeliveryState.SENT,
        wake_next=False,  # this worker goes on with it (reply_send_attempt)
    )
    return message.conversation_id


@transaction.atomic
def reply_sent(
    *, message_id: int, platform_message_id: str, status: str, wake_next: bool = True
) -> None:
    """The platform took the reply: record its messageId and status. Statuses that came early
    are released to the callback applier (conversations.signals.reply_identified). `wake_next`:
    give the dialog's next waiting reply a task (False: the caller sends it itself)."""
    message = _locked_reply(message_id)
    if message is None or message.platform_message_id == platform_message_id:
        return  # gone, or recorded already (a check and a late answer can both report it)
    # Statuses that arrived before this answer wait for the id (the callbacks app keeps them):
    # told before the id becomes visible, so a status is either released now or finds the id.
    reply_identified.send(
        sender=Message,
        conversation_platform_id=message.conversation.platform_id,
        platform_message_id=platform_message_id,
    )
    message.platform_message_id = platform_message_id
    message.delivery = DeliveryState.SENDING  # so that reply_status_apply ranks from scratch
    message.delivery_detail = ""
    message.save(update_fields=["platform_message_id"])
    reply_status_apply(message, status if status in DeliveryState.values else DeliveryState.SENT)
    if wake_next:
        _wake_next_after_commit(message)


@transaction.atomic
def _after_failure(
    message_id: int, error: FromniError, *, refusals: int, server_errors: int
) -> None:
    message = _locked_reply(message_id)
    if message is None or message.delivery != DeliveryState.SENDING:
        return
    if isinstance(error, FromniTransportError) and error.maybe_delivered:
        _set(message, DeliveryState.CHECKING, f"No answer from the platform ({error}); checking.")
        transaction.on_commit(
            lambda: _check_enqueue(message_id=message_id, delay=settings.DESK_SEND_CHECK_DELAY)
        )
        return
    if isinstance(error, FromniRefusal):
        # The platform read the reply and said no. Words it is known to mean (REFUSALS in
        # fromni/errors.py) fail the reply at once; others get a couple of quick tries, in case
        # it was a passing state on its side. Never the outage schedule: minutes in "Queued"
        # while the platform is sent the same reply again and again.
        if error.reason is None and refusals < settings.DESK_SEND_REFUSAL_RETRIES:
            _retry_later(message, error, delay=_backoff(refusals + 1), refusals=refusals + 1)
        else:
            _set(message, DeliveryState.FAILED, f"The platform refused the reply: {error.message}")
        return
    # An outage. Unreachable (nothing was sent): worth trying for as long as the window is
    # open (the next claim fails it once the window closes). A 5xx: only so many times; the
    # tries that found the platform unreachable do not count, so a reply that waited out a
    # network outage is not failed by the first proxy page once the platform is back.
    if isinstance(error, FromniTransportError):
        _retry_later(message, error, delay=_backoff(message.attempts), server_errors=server_errors)
    elif error.retryable and server_errors + 1 < settings.DESK_SEND_MAX_ATTEMPTS:
        _retry_later(
            message, error, delay=_backoff(message.attempts), server_errors=server_errors + 1
        )
    else:
        _set(message, DeliveryState.FAILED, f"The reply could not be sent: {error}")


def _retry_later(
    message: Message, error: FromniError, *, delay: float, refusals: int = 0, server_errors: int = 0
) -> None:
    _set(
        message,
        DeliveryState.QUEUED,
        f"Attempt {message.attempts} failed ({error}); retrying in {delay:.0f} s.",
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    message_id = message.pk
    transaction.on_commit(
        lambda: outbox_enqueue(
            message_id=message_id, delay=delay, refusals=refusals, server_errors=server_errors
        )
    )


def reply_check(*, message_id: int, refusals: int = 0) -> None:
    """Find out whether a reply in `checking` reached the platform (the worker's task)."""
    with transaction.atomic():
        message = _locked_reply(message_id)
        if message is None or message.delivery != DeliveryState.CHECKING:
            return
        conversation = message.conversation
        started = message.sending_started_at or message.created_at
        taken = dict(
            conversation.messages.exclude(pk=message.pk)
            .exclude(platform_message_id=None)
            .values_list("platform_message_id", "text")
        )
    try:
        dialog = platform_client().conversations_messages(conversation.platform_id)
    except FromniRefusal as error:
        # Asking again on the outage schedule would never end; as for a send, unknown words
        # get a couple of quick tries.
        if error.reason is None and refusals < settings.DESK_SEND_REFUSAL_RETRIES:
            delay = _backoff(refusals + 1)
            _check_enqueue(message_id=message_id, delay=delay, refusals=refusals + 1)
        else:
            _check_refused(message_id, error)
        return
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
    # "Not found" proves the reply missing only if this list shows the operator's sends at all:
    # the reference describes it as the history with the bot (docs/platform.md). It does when it
    # holds one of this dialog's earlier replies, by its messageId and text; without that, the
    # reply is not sent again (that could duplicate it) but failed, saying so, for the operator.
    lists_sends = any(item.out and taken.get(str(item.id)) == (item.text or "") for item in dialog)
    with transaction.atomic():
        message = _locked_reply(message_id)
        if message is None or message.delivery != DeliveryState.CHECKING:
            return
        if not lists_sends:
            _set(message, DeliveryState.FAILED, UNCONFIRMED)
            return
        _set(message, DeliveryState.QUEUED, "The platform does not have it; sending again.")
        transaction.on_commit(lambda: outbox_enqueue(message_id=message_id))


@transaction.atomic
def _check_refused(message_id: int, error: FromniRefusal) -> None:
    message = _locked_reply(message_id)
    if message is None or message.delivery != DeliveryState.CHECKING:
        return
    _set(
        message,
        DeliveryState.FAILED,
        "The platform may have this reply but refused to show the dialog "
        f"({error.message}): check with the contact before sending it again.",
    )


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
    waits_its_turn = Message.objects.filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")),
        conversation_id=OuterRef("conversation_id"),
        kind=MessageKind.OUTGOING,
        delivery__in=UNFINISHED,
    )
    unclaimed = list(
        locked(Message.objects)
        .filter(kind=MessageKind.OUTGOING, delivery=DeliveryState.QUEUED)
        .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at=None, created_at__lt=cutoff))
        # Behind an earlier reply of its dialog is not lost: that one's end wakes it.
        .exclude(Exists(waits_its_turn))
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
