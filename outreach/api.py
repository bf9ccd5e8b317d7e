"""JSON endpoint for reaching a contact with a template notification."""

from __future__ import annotations

from django.http import HttpRequest

from conversations.access import visible_conversation_required
from operator_desk.inputs import body_parsed
from operators.access import api_view
from outreach.inputs import NotifyInput
from outreach.serializers import notification_data
from outreach.services import notification_send


@api_view(methods=("POST",))
@visible_conversation_required
def conversation_notify(request: HttpRequest, conversation_id: int) -> dict:
    """`{templateId, channels?, values?}`: the template's text with #VARIABLES# filled from the
    contact (and `values`, for placeholders the contact has no variable for)."""
    body = body_parsed(request, NotifyInput)
    notification = notification_send(
        conversation_id=conversation_id,
        user=request.user,
        template_id=body.template_id,
        channels=body.channels,
        values=body.filled_values(),
    )
    return {"notification": notification_data(notification)}
