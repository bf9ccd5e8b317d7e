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

A worker works in batches: its task's reply and other dialogs' due replies (DESK_SEND_BATCH
at most) are claimed in one transaction, sent one after the other, and their answers recorded
in one transaction; then the next due ones, without a task (RUN at most). The queued tasks of
the replies a batch took are deleted in its claim. So the database's round trips, its commits
and django-tasks' claim and result are paid per batch, not per reply. A batch stops sending at
a send the platform does not answer, or once it has taken a quarter of DESK_SEND_STALE_SECONDS;
the replies it did not get to go back to `queued` (not an attempt), and the worker goes on one
at a time. A worker that dies mid-batch leaves the batch in `sending`: the clock moves it to
`checking`, as it does a single reply; a check that cannot tell whether the platform has a
reply fails it "not confirmed" (see reply_check), and that may be one the worker never sent.

A dialog's replies reach the platform in the order the operators wrote them: a reply is not
claimed while an earlier one of its dialog is still queued, sending or checking (with two
workers, the second reply's send could otherwise overtake the first's). It waits without a
task of its own; the earlier reply's end (sent or failed) wakes it. Replies of different
dialogs never wait for each other.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from conversations.events import message_event_emit
from conversations.models import DeliveryState, Message, MessageKind
from conversations.reply_order import UNFINISHED, earlier_unfinished, heads, next_due
from conversations.signals import reply_identified
from conversations.statuses import status_moved
from conversations.window import conversation_operator_mode_end
from fromni.errors import FromniError, FromniRefusal, FromniTransportError
from operator_desk import queues
from operator_desk.db import locked, rows_update
from operator_desk.platform import platform_client

log = logging.getLogger(__name__)

UNCONFIRMED = (
    "Not confirmed: the platform did not answer the send, and its list of this dialog's "
    "messages shows none of the operator's replies, so it cannot tell whether this one arrived. "
    "It was not sent again; check the dialog on the platform and retry it if it is missing."
)


# A worker that sent a batch goes on with the next due replies (its dialogs' next ones among
# them), in the same task (no wake-up task, no poll in between); this many at most, then the
# rest gets a task of its own.
RUN = 200


def outbox_enqueue(
    *, message_id: int, delay: float = 0, refusals: int = 0, server_errors: int = 0
) -> None:
    """Send the reply (again) after `delay` seconds; `refusals`: how many refusals in unknown
    words it has had in a row; `server_errors`: how many 5xx answers (DESK_SEND_MAX_ATTEMPTS
    caps those, not the tries that found the platform unreachable)."""
    run_after = timezone.now() + timedelta(seconds=delay) if delay > 0 else None
    send_reply.using(run_after=run_after).enqueue(message_id, refusals, server_errors)


def check_enqueue(*, message_id: int, delay: float, refusals: int = 0) -> None:
    """Look for the reply on the platform after `delay` seconds (it is in `checking`)."""
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


def _locked_replies() -> QuerySet[Message]:
    """Replies locked, with what their events and sends need read in the same statement (the
    author is in the event's payload: read apart, it was a round trip per event)."""
    return locked(Message.objects).select_related(
        "conversation", "conversation__assignee", "author"
    )


def _locked_reply(message_id: int) -> Message | None:
    return _locked_replies().filter(pk=message_id, kind=MessageKind.OUTGOING).first()


def reply_delivery_set(message: Message, delivery: str, detail: str = "", **fields) -> None:
    """Move a locked reply to `delivery` and say so; a reply that is over wakes its dialog's
    next one once committed."""
    message.delivery = delivery
    message.delivery_detail = detail
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=["delivery", "delivery_detail", *fields])
    message_event_emit(message, "message_status")
    if delivery not in UNFINISHED:
        _wake_next_after_commit(message)


def _wake_next_after_commit(message: Message) -> None:
    """The reply is over (sent or failed): the dialog's next reply, if one waits, gets its
    task once this is committed (the next claim must see this reply finished)."""
    conversation_id = message.conversation_id
    transaction.on_commit(lambda: _wake_next(conversation_id))


def _wake_next(conversation_id: int) -> None:
    waiting = next_due(conversation_id)
    if waiting is not None:
        outbox_enqueue(message_id=waiting)


@dataclass(frozen=True, slots=True)
class _Claimed:
    """A reply this worker moved to `sending`, with the failures its task carried."""

    message: Message
    refusals: int = 0
    server_errors: int = 0


@transaction.atomic
def _claim(message_id: int, *, refusals: int, server_errors: int, more: int) -> list[_Claimed]:
    """The task's reply, if it is its turn, and up to `more` other dialogs' due replies, moved
    to `sending` in one transaction. Empty when the task's reply is not this task's to send."""
    message = _locked_reply(message_id)
    if message is None or message.delivery != DeliveryState.QUEUED:
        return []  # sent, failed, or being sent by another worker
    if not _window_open_or_fail(message):
        return []
    if earlier_unfinished(message).exists():
        return []  # its turn comes when the earlier one is sent or fails (_wake_next)
    claimed = [_Claimed(message, refusals, server_errors)]
    if more:
        claimed += _due_heads(limit=more, besides=message)
    _mark_sending(claimed, task_of=message.pk)
    return claimed


@transaction.atomic
def _claim_due(*, limit: int) -> list[_Claimed]:
    """Up to `limit` due replies, each the next of its dialog, moved to `sending` (a worker
    going on after a batch: no task of their own is needed)."""
    claimed = _due_heads(limit=limit)
    if claimed:
        _mark_sending(claimed, task_of=None)
    return claimed


def _due_heads(*, limit: int, besides: Message | None = None) -> list[_Claimed]:
    """Replies whose turn it is in their dialog, oldest first, locked; those locked by another
    worker's claim are skipped (it sends them). Only replies never put off (no
    `next_attempt_at`): one in its backoff is sent by its own task, which carries its count of
    failures (DESK_SEND_MAX_ATTEMPTS, DESK_SEND_REFUSAL_RETRIES)."""
    besides_id = besides.conversation_id if besides is not None else None
    turn = [h.pk for h in heads() if h.due_now and h.conversation_id != besides_id]
    # All of them, locked with a limit: those another worker is claiming are skipped, and
    # those it has claimed are no longer queued, so this worker takes the next ones.
    due = (
        _locked_replies()
        .select_for_update(no_key=True, of=("self",), skip_locked=True)
        .filter(pk__in=turn, delivery=DeliveryState.QUEUED, next_attempt_at=None)
        .order_by("created_at", "pk")
    )
    return [_Claimed(message) for message in due[:limit] if _window_open_or_fail(message)]


def _window_open_or_fail(message: Message) -> bool:
    if message.conversation.window_open():
        return True
    closed_at = message.conversation.window_closed_at()
    reply_delivery_set(
        message,
        DeliveryState.FAILED,
        f"The messaging window closed at {closed_at} before the reply could be sent.",
    )
    return False


def _mark_sending(claimed: list[_Claimed], *, task_of: int | None) -> None:
    """One statement for the batch, an event each; the queued tasks of the replies this worker
    took from others are dropped (each would be a task claimed, run and recorded for nothing)."""
    now = timezone.now()
    pks = [item.message.pk for item in claimed]
    Message.objects.filter(pk__in=pks).update(
        delivery=DeliveryState.SENDING,
        delivery_detail="",
        attempts=F("attempts") + 1,
        sending_started_at=now,
        next_attempt_at=None,
    )
    for item in claimed:
        message = item.message
        message.delivery = DeliveryState.SENDING
        message.delivery_detail = ""
        message.attempts += 1
        message.sending_started_at = now
        message.next_attempt_at = None
        message_event_emit(message, "message_status")
    others = [pk for pk in pks if pk != task_of]
    if others:
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=send_reply.module_path,
            args_kwargs__args__0__in=others,
        ).delete()


def reply_send_attempt(*, message_id: int, refusals: int = 0, server_errors: int = 0) -> None:
    """One attempt to send a queued reply (the worker's task), with other dialogs' due replies
    claimed in the same transaction (DESK_SEND_BATCH at most), or those alone when the task's
    reply is not its to send; then, while replies are due, the next batches, RUN at most."""
    most = settings.DESK_SEND_BATCH
    batch = _claim(message_id, refusals=refusals, server_errors=server_errors, more=most - 1)
    if not batch:
        # Its reply is not this task's to send (sent, being sent, or waiting its turn): the
        # worker is awake anyway, so it takes what is due. With two workers, the second is
        # mostly handed the tasks of replies behind the ones the first is sending.
        batch = _claim_due(limit=most)
    size, done = most, 0
    while batch:
        size = min(size, _send_batch(batch))
        done += len(batch)
        if done >= RUN:
            waiting = next_due()
            if waiting is not None:
                outbox_enqueue(message_id=waiting)
            return
        batch = _claim_due(limit=min(size, RUN - done))


def _send_batch(batch: list[_Claimed]) -> int:
    """Send the claimed replies in order, then record every answer in one transaction. Returns
    the size the next batch may have: one after a failure that took its time (a platform that
    does not answer, or a batch that outran its budget), so that no claimed reply waits long
    in `sending` for the ones before it."""
    client = platform_client()
    budget = settings.DESK_SEND_STALE_SECONDS / 4
    started = time.monotonic()
    answers: list[tuple[_Claimed, object]] = []
    unsent: list[_Claimed] = []
    for n, item in enumerate(batch):
        if n and time.monotonic() - started > budget:
            unsent = batch[n:]
            break
        message = item.message
        try:
            answer = client.conversations_send(
                message.conversation.platform_id, message.text or None, message.attachments
            )
        except FromniError as error:
            answers.append((item, error))
            if isinstance(error, FromniTransportError) and error.maybe_delivered:
                unsent = batch[n + 1 :]  # the platform hangs: the rest is not sent into it
                break
            continue
        answers.append((item, answer))
    _record(answers, unsent)
    for item, answer in answers:
        if isinstance(answer, FromniRefusal) and answer.reason == "operator_mode_inactive":
            conversation_operator_mode_end(conversation_id=item.message.conversation_id)
    slow = unsent or any(isinstance(a, FromniTransportError) for _, a in answers)
    return 1 if slow else settings.DESK_SEND_BATCH


@transaction.atomic
def _record(answers: list[tuple[_Claimed, object]], unsent: list[_Claimed]) -> None:
    """The platform's answers to a batch, and the replies the batch did not get to, which go
    back to the queue as they were (not an attempt: nothing was sent)."""
    pks = [item.message.pk for item, _ in answers] + [item.message.pk for item in unsent]
    # In id order: another transaction locking several replies (the clock's recovery) waits
    # for this one instead of each holding a row the other wants.
    rows = {m.pk: m for m in _locked_replies().filter(pk__in=pks).order_by("pk")}
    taken = []
    for item, answer in answers:
        message = rows.get(item.message.pk)
        if message is None:
            continue
        if isinstance(answer, FromniError):
            _failed(message, answer, refusals=item.refusals, server_errors=item.server_errors)
        else:
            status = answer.status or DeliveryState.SENT
            taken.append((message, str(answer.message_id), status))
    _identified(taken)
    back = [
        rows[item.message.pk]
        for item in unsent
        if item.message.pk in rows and rows[item.message.pk].delivery == DeliveryState.SENDING
    ]
    if back:
        Message.objects.filter(pk__in=[m.pk for m in back]).update(
            delivery=DeliveryState.QUEUED, attempts=F("attempts") - 1
        )
        for message in back:
            message.delivery = DeliveryState.QUEUED
            message.attempts -= 1
            message_event_emit(message, "message_status")


def _identified(taken: list[tuple[Message, str, str]]) -> None:
    """Record the platform's messageId and status of each reply it took (rows locked): one
    statement for the statuses that came early (conversations.signals.reply_identified), one
    for the replies, an event each."""
    taken = [(m, pid, status) for m, pid, status in taken if m.platform_message_id != pid]
    if not taken:
        return  # recorded already (a check and a late answer can both report it)
    # Statuses that arrived before this answer wait for the id (the callbacks app keeps them):
    # told before the id becomes visible, so a status is either released now or finds the id.
    reply_identified.send(
        sender=Message,
        replies=[(m.conversation.platform_id, pid) for m, pid, _ in taken],
    )
    moved = []
    for message, platform_message_id, status in taken:
        message.platform_message_id = platform_message_id
        message.delivery = DeliveryState.SENDING  # so that the status ranks from scratch
        message.delivery_detail = ""
        if status_moved(message, status if status in DeliveryState.values else DeliveryState.SENT):
            moved.append(message)
    unchanged = [m for m, _, _ in taken if m not in moved]
    rows_update(moved, ["platform_message_id", "delivery", "delivery_detail"])
    rows_update(unchanged, ["platform_message_id"])
    for message in moved:
        message_event_emit(message, "message_status")


@transaction.atomic
def reply_sent(*, message_id: int, platform_message_id: str, status: str) -> None:
    """The platform has the reply (a check found it): record its messageId and status. Statuses
    that came early are released to the callback applier; the dialog's next waiting reply gets
    a task."""
    message = _locked_reply(message_id)
    if message is None or message.platform_message_id == platform_message_id:
        return  # gone, or recorded already (a check and a late answer can both report it)
    _identified([(message, platform_message_id, status)])
    _wake_next_after_commit(message)


def _failed(message: Message, error: FromniError, *, refusals: int, server_errors: int) -> None:
    """The send failed (the row is locked): checked, retried, or failed for good."""
    if message.delivery != DeliveryState.SENDING:
        return
    message_id = message.pk
    if isinstance(error, FromniTransportError) and error.maybe_delivered:
        reply_delivery_set(
            message, DeliveryState.CHECKING, f"No answer from the platform ({error}); checking."
        )
        transaction.on_commit(
            lambda: check_enqueue(message_id=message_id, delay=settings.DESK_SEND_CHECK_DELAY)
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
            reply_delivery_set(
                message, DeliveryState.FAILED, f"The platform refused the reply: {error.message}"
            )
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
        reply_delivery_set(message, DeliveryState.FAILED, f"The reply could not be sent: {error}")


def _retry_later(
    message: Message, error: FromniError, *, delay: float, refusals: int = 0, server_errors: int = 0
) -> None:
    reply_delivery_set(
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
            check_enqueue(message_id=message_id, delay=delay, refusals=refusals + 1)
        else:
            _check_refused(message_id, error)
        return
    except FromniError as error:
        log.info("checking reply %s: platform unavailable (%s); later", message_id, error)
        check_enqueue(message_id=message_id, delay=_backoff(2))
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
            reply_delivery_set(message, DeliveryState.FAILED, UNCONFIRMED)
            return
        reply_delivery_set(
            message, DeliveryState.QUEUED, "The platform does not have it; sending again."
        )
        transaction.on_commit(lambda: outbox_enqueue(message_id=message_id))


@transaction.atomic
def _check_refused(message_id: int, error: FromniRefusal) -> None:
    message = _locked_reply(message_id)
    if message is None or message.delivery != DeliveryState.CHECKING:
        return
    reply_delivery_set(
        message,
        DeliveryState.FAILED,
        "The platform may have this reply but refused to show the dialog "
        f"({error.message}): check with the contact before sending it again.",
    )
