"""Who is in charge of a conversation: its operator, or a supervisor; and who may take it from
the queue (connection access rules, conversations.ConnectionPolicy)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from conversations.connections import connection_ids_hidden_from
from conversations.models import Conversation, ConversationState
from operator_desk.errors import Conflict, Forbidden, NotFound
from operators.access import supervises


def is_supervising(user: User) -> bool:
    return supervises(user)


def require_in_charge(conversation: Conversation, user: User) -> None:
    """Only the operator a conversation is assigned to, or a supervisor, may act on it."""
    if conversation.assignee_id == user.pk or is_supervising(user):
        return
    owner = conversation.assignee
    if owner is None:
        raise Conflict(_("Claim the conversation first."))
    raise Forbidden(
        _("This conversation is assigned to %(name)s.") % {"name": owner.get_full_name() or owner}
    )


def may_see_queue_of(conversation: Conversation, user: User) -> bool:
    """Connection access rules (administration): an operator they leave out cannot claim what
    they cannot see in the queue."""
    if conversation.connection_id is None or is_supervising(user):
        return True
    return conversation.connection_id not in connection_ids_hidden_from(user_id=user.pk)


def holder_name(conversation: Conversation) -> str:
    owner = conversation.assignee
    return (owner.get_full_name() or owner.username) if owner else _("nobody")


def require_may_triage(conversation: Conversation, user: User) -> None:
    """Labels and priority: a queued conversation by any operator who sees it in the queue
    (triage before a claim), otherwise by its operator or a supervisor."""
    if conversation.state == ConversationState.QUEUED:
        if not may_see_queue_of(conversation, user):
            # The API's gate answered this already; the same answer as for no conversation.
            raise NotFound(
                _("There is no conversation %(id)s you can see.") % {"id": conversation.pk}
            )
        return
    require_in_charge(conversation, user)
