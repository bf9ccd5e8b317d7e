"""What operators do to a conversation: claim, transfer (or a supervisor's assign), release,
close.

Each runs in one transaction, locks the conversation first, audits, and emits its event (after
commit) as its last step.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from conversations.charge import holder_name, is_supervising, may_see_queue_of, require_in_charge
from conversations.events import conversation_event_emit, message_event_emit
from conversations.locks import conversation_locked
from conversations.models import OPEN_STATES, Conversation, ConversationState, Message, MessageKind
from conversations.selectors import conversation_not_found
from conversations.snooze import snooze_forget
from conversations.wording import state_word
from operator_desk.db import locked
from operator_desk.errors import Conflict, Forbidden, Invalid
from operators.roles import user_role


@transaction.atomic
def conversation_claim(*, conversation_id: int, user: User) -> Conversation:
    """Take a queued conversation. Of two operators claiming at once, exactly one wins."""
    conversation = conversation_locked(conversation_id)
    if not may_see_queue_of(conversation, user):  # the API's gate said so already
        raise conversation_not_found(conversation_id)
    if conversation.state != ConversationState.QUEUED:
        if conversation.state == ConversationState.ASSIGNED:
            raise Conflict(
                _("Already claimed by %(name)s.") % {"name": holder_name(conversation)},
                assignee=conversation.assignee_id,
            )
        raise Conflict(
            _("The conversation is %(state)s; only queued ones can be claimed.")
            % {"state": state_word(conversation.state)}
        )
    conversation.state = ConversationState.ASSIGNED
    conversation.assignee = user
    conversation.assigned_at = timezone.now()
    conversation.save(update_fields=["state", "assignee", "assigned_at", "updated_at"])
    audit_record(actor=user, action="conversation.claim", target=f"conversation:{conversation.pk}")
    conversation_event_emit(conversation, "claimed")
    return conversation


def _operator(to_user_id: int) -> User:
    target = User.objects.filter(pk=to_user_id, is_active=True).first()
    if target is None or user_role(target) is None:
        raise Invalid(_("There is no active operator %(id)s.") % {"id": to_user_id})
    return target


def _hand_over(
    conversation: Conversation, *, user: User, target: User, note: str, action: str
) -> Conversation:
    """Gives the locked, open conversation to `target`: the note, the audit, the event."""
    if target.pk == conversation.assignee_id:
        raise Conflict(
            _("The conversation is already assigned to %(name)s.")
            % {"name": holder_name(conversation)}
        )
    previous = conversation.assignee_id
    conversation.state = ConversationState.ASSIGNED
    conversation.assignee = target
    conversation.assigned_at = timezone.now()
    conversation.save(
        update_fields=[
            "state",
            "assignee",
            "assigned_at",
            "updated_at",
            *snooze_forget(conversation),
        ]
    )
    if note.strip():
        note_message = Message.objects.create(
            conversation=conversation, kind=MessageKind.NOTE, text=note.strip(), author=user
        )
        message_event_emit(note_message)
    audit_record(
        actor=user,
        action=action,
        target=f"conversation:{conversation.pk}",
        fromUserId=previous,
        toUserId=target.pk,
        note=note.strip(),
    )
    conversation_event_emit(conversation, "transferred", fromUserId=previous, byUserId=user.pk)
    return conversation


@transaction.atomic
def conversation_transfer(
    *, conversation_id: int, user: User, to_user_id: int, note: str = ""
) -> Conversation:
    """Hand an open conversation to another operator, with a note only operators see."""
    conversation = conversation_locked(conversation_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict(
            _("The conversation is %(state)s.") % {"state": state_word(conversation.state)}
        )
    if conversation.state == ConversationState.QUEUED and not is_supervising(user):
        raise Conflict(_("Claim the conversation first."))
    if conversation.state == ConversationState.ASSIGNED:
        require_in_charge(conversation, user)
    target = _operator(to_user_id)
    return _hand_over(
        conversation, user=user, target=target, note=note, action="conversation.transfer"
    )


@transaction.atomic
def conversation_assign(*, conversation_id: int, user: User, to_user_id: int) -> Conversation:
    """A supervisor gives an open conversation to an operator (the lists' bulk assign): only to
    one the connection's access rules let see it, or they could not open what they were given."""
    if not is_supervising(user):
        raise Forbidden(_("Only supervisors and admins assign conversations."))
    conversation = conversation_locked(conversation_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict(
            _("The conversation is %(state)s.") % {"state": state_word(conversation.state)}
        )
    target = _operator(to_user_id)
    if not may_see_queue_of(conversation, target):
        raise Conflict(
            _("%(name)s has no access to the connection %(connection)s.")
            % {
                "name": target.get_full_name() or target.username,
                "connection": conversation.connection,
            },
            reason="no_access",
        )
    return _hand_over(conversation, user=user, target=target, note="", action="conversation.assign")


@transaction.atomic
def conversation_release(*, conversation_id: int, user: User) -> Conversation:
    """Put an assigned conversation back in the queue."""
    conversation = conversation_locked(conversation_id)
    if conversation.state != ConversationState.ASSIGNED:
        raise Conflict(
            _("The conversation is %(state)s; only assigned ones go back.")
            % {"state": state_word(conversation.state)}
        )
    require_in_charge(conversation, user)
    conversation.state = ConversationState.QUEUED
    conversation.assignee = None
    conversation.assigned_at = None
    conversation.queued_at = timezone.now()
    conversation.save(
        update_fields=[
            "state",
            "assignee",
            "assigned_at",
            "queued_at",
            "updated_at",
            *snooze_forget(conversation),
        ]
    )
    audit_record(
        actor=user, action="conversation.release", target=f"conversation:{conversation.pk}"
    )
    conversation_event_emit(conversation, "released", byUserId=user.pk)
    return conversation


@transaction.atomic
def conversation_close(*, conversation_id: int, user: User) -> Conversation:
    conversation = conversation_locked(conversation_id)
    if conversation.state not in OPEN_STATES:
        raise Conflict(
            _("The conversation is already %(state)s.") % {"state": state_word(conversation.state)}
        )
    if conversation.state == ConversationState.QUEUED and not is_supervising(user):
        raise Conflict(_("Claim the conversation first."))
    require_in_charge(conversation, user)
    conversation.state = ConversationState.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(
        update_fields=["state", "closed_at", "updated_at", *snooze_forget(conversation)]
    )
    audit_record(actor=user, action="conversation.close", target=f"conversation:{conversation.pk}")
    conversation_event_emit(conversation, "closed", byUserId=user.pk)
    return conversation


@transaction.atomic
def conversations_release_assigned(*, assignee: User, actor: User | None) -> list[Conversation]:
    """Put every conversation assigned to `assignee` back in the queue, as conversation_release
    does one (an admin deactivated the operator: nobody would answer them otherwise)."""
    conversations = list(
        locked(Conversation.objects)
        .select_related("contact", "connection", "assignee")
        .filter(assignee=assignee, state=ConversationState.ASSIGNED)
        .order_by("assigned_at", "pk")
    )
    now = timezone.now()
    for conversation in conversations:
        conversation.state = ConversationState.QUEUED
        conversation.assignee = None
        conversation.assigned_at = None
        conversation.queued_at = now
        conversation.save(
            update_fields=[
                "state",
                "assignee",
                "assigned_at",
                "queued_at",
                "updated_at",
                *snooze_forget(conversation),
            ]
        )
        audit_record(
            actor=actor,
            action="conversation.release",
            target=f"conversation:{conversation.pk}",
            fromUserId=assignee.pk,
            reason="operator deactivated",
        )
        conversation_event_emit(
            conversation, "released", byUserId=actor.pk if actor else None, fromUserId=assignee.pk
        )
    return conversations
