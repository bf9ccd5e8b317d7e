"""JSON endpoint for reaching a contact with a template notification."""

from __future__ import annotations

from django.http import HttpRequest

from conversations.access import visible_conversation_required
from operator_desk.api import api_view, json_body
from operator_desk.errors import Invalid
from outreach.serializers import notification_data
from outreach.services import notification_send


@api_view(methods=("POST",))
@visible_conversation_required
def conversation_notify(request: HttpRequest, conversation_id: int) -> dict:
    """`{templateId, channels?, values?}`: the template's text with #VARIABLES# filled from the
    contact (and `values`, for placeholders the contact has no variable for)."""
    body = json_body(request)
    template_id = body.get("templateId")
    if template_id in (None, ""):
        raise Invalid("templateId is required.")
    channels = body.get("channels")
    if channels is not None and (
        not isinstance(channels, list) or not all(isinstance(c, str) for c in channels)
    ):
        raise Invalid("channels must be a list of channel names.")
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise Invalid("values must be an object of placeholder: text.")
    notification = notification_send(
        conversation_id=conversation_id,
        user=request.user,
        template_id=str(template_id),
        channels=channels,
        values={str(k): str(v) for k, v in values.items() if v not in (None, "")},
    )
    return {"notification": notification_data(notification)}
