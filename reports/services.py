"""What supervisors do from the dashboard, through the desk's own conversation services (so the
audit trail, the events and the race rules are the desk's usual ones)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from conversations.actions import conversation_claim, conversation_transfer
from conversations.models import Conversation, ConversationState
from operator_desk.db import locked
from operator_desk.errors import Forbidden, NotFound
from operators.access import supervises


@transaction.atomic
def conversation_take_over(*, conversation_id: int, user: User) -> Conversation:
    """The supervisor takes the conversation: claimed from the queue, or transferred to them
    from whoever holds it. The row is locked first, so the choice between the two cannot be
    overtaken by a claim in between (the services lock it again in this same transaction)."""
    if not supervises(user):
        raise Forbidden(_("Only supervisors and admins take conversations over."))
    state = (
        locked(Conversation.objects)
        .filter(pk=conversation_id)
        .values_list("state", flat=True)
        .first()
    )
    if state is None:
        raise NotFound(_("There is no conversation %(id)s.") % {"id": conversation_id})
    if state == ConversationState.QUEUED:
        return conversation_claim(conversation_id=conversation_id, user=user)
    return conversation_transfer(conversation_id=conversation_id, user=user, to_user_id=user.pk)
