"""Snooze: an operator puts a conversation they hold aside until a time, or until the user
writes again; it comes back by itself (the clock, or the user's message) with an alert to its
holder, or by hand.

A snooze never outlives the messaging window: a time past its end is refused (the page offers
the template notification instead), and a snooze "until the user writes" comes back
WINDOW_WARNING before the window ends, so the operator still has time to answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from conversations.charge import require_in_charge
from conversations.events import conversation_event_emit
from conversations.locks import conversation_locked
from conversations.models import Conversation, ConversationState
from conversations.wording import moment_word, state_word
from operator_desk.db import locked
from operator_desk.errors import Conflict, Invalid, SnoozePastWindow

# How long before the window's end a snooze "until the user writes" comes back (docs/api.md).
WINDOW_WARNING = timedelta(minutes=5)
SNOOZE_FIELDS = ["snoozed_at", "snoozed_until", "snooze_until_reply"]


def snooze_forget(conversation: Conversation) -> list[str]:
    """Clear a snooze on a conversation that leaves its holder (closed, released, transferred,
    expired); returns the fields to save with the caller's own."""
    conversation.snoozed_at = conversation.snoozed_until = None
    conversation.snooze_until_reply = False
    return SNOOZE_FIELDS


def _past_window(conversation: Conversation, until: datetime | None) -> SnoozePastWindow:
    closes = moment_word(conversation.expires_at)
    if until is None:
        sentence = _(
            "The messaging window closes at %(closes)s: a snooze until the user writes would "
            "outlive it. Reply now, or reach the contact later with a template notification."
        ) % {"closes": closes}
    else:
        sentence = _(
            "The messaging window closes at %(closes)s: a snooze until %(until)s would outlive "
            "it. Reply now, or reach the contact later with a template notification."
        ) % {"closes": closes, "until": moment_word(until)}
    return SnoozePastWindow(
        sentence,
        expiresAt=conversation.expires_at.isoformat() if conversation.expires_at else None,
    )


@transaction.atomic
def conversation_snooze(
    *, conversation_id: int, user: User, until: datetime | None, until_reply: bool = False
) -> Conversation:
    """Snooze an assigned conversation until `until`, or (`until_reply`) until the user writes
    (and at the latest WINDOW_WARNING before the window ends). Snoozing again replaces it."""
    now = timezone.now()
    if until is None and not until_reply:
        raise Invalid(_("Say until when: a time, or until the user writes."), field="until")
    if until is not None and until <= now:
        raise Invalid(_("A snooze ends in the future."), field="until")
    conversation = conversation_locked(conversation_id)
    if conversation.state != ConversationState.ASSIGNED:
        raise Conflict(
            _("The conversation is %(state)s; only assigned ones can be snoozed.")
            % {"state": state_word(conversation.state)}
        )
    require_in_charge(conversation, user)
    if not conversation.window_open(now):
        raise _past_window(conversation, until)
    wake = until
    if conversation.expires_at is not None:
        latest = conversation.expires_at - WINDOW_WARNING
        if until is not None and until > conversation.expires_at:
            raise _past_window(conversation, until)
        if until is None:
            if latest <= now:
                raise _past_window(conversation, until)
            wake = latest
    conversation.snoozed_at = now
    conversation.snoozed_until = wake
    conversation.snooze_until_reply = until is None
    conversation.save(update_fields=[*SNOOZE_FIELDS, "updated_at"])
    audit_record(
        actor=user,
        action="conversation.snooze",
        target=f"conversation:{conversation.pk}",
        until=wake.isoformat() if wake else None,
        untilReply=conversation.snooze_until_reply,
    )
    conversation_event_emit(conversation, "snoozed", byUserId=user.pk)
    return conversation


def _wake(conversation: Conversation, *, reason: str, by: User | None = None) -> None:
    """A locked, snoozed conversation comes back to its holder's list; the event tells the
    page why (`manual`, `time`, `reply`, `window`), and the holder's page alerts them."""
    snooze_forget(conversation)
    conversation.save(update_fields=[*SNOOZE_FIELDS, "updated_at"])
    audit_record(
        actor=by,
        action="conversation.unsnooze",
        target=f"conversation:{conversation.pk}",
        reason=reason,
    )
    conversation_event_emit(
        conversation, "woken", reason=reason, byUserId=by.pk if by is not None else None
    )


@transaction.atomic
def conversation_unsnooze(*, conversation_id: int, user: User) -> Conversation:
    """Bring a snoozed conversation back now, by hand."""
    conversation = conversation_locked(conversation_id)
    if conversation.snoozed_at is None:
        raise Conflict(_("The conversation is not snoozed."))
    require_in_charge(conversation, user)
    _wake(conversation, reason="manual", by=user)
    return conversation


@transaction.atomic
def conversations_wake_due(*, now: datetime | None = None) -> int:
    """The clock's duty: snoozes whose time has come end, each with its holder's alert."""
    now = now or timezone.now()
    due = (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(snoozed_at__isnull=False, snoozed_until__lte=now)
        .order_by("snoozed_until", "pk")
    )
    count = 0
    for conversation in due:
        _wake(conversation, reason="window" if conversation.snooze_until_reply else "time")
        count += 1
    return count


def conversation_wake_on_reply(*, conversation_id: int) -> None:
    """The user wrote to a snoozed conversation (conversations/inbound.py, inside the
    applier's transaction): it comes back to its holder before the message's event."""
    conversation = (
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(pk=conversation_id, snoozed_at__isnull=False)
        .first()
    )
    if conversation is not None:
        _wake(conversation, reason="reply")
