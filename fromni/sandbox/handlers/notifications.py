"""notifications/send: one message, tried on each requested channel until one can reach the
contact; the outcome arrives later as `notification_message_updated`."""

from __future__ import annotations

from typing import Any

from fromni.methods import CHANNEL_ID_FIELDS

from ..clock import now_iso
from ..ids import object_id
from ..profiles import find_by_identifier
from ..state import Notification, PlatformState
from ..values import normalize_phone
from ..views import contact_channels
from .base import ApiError, Call, Handler, channel_designations, found

DELIVERY_SECONDS = 2.0
NO_DESTINATION = (
    "Unable to send to any channel because contact doesn't have destination params for "
    "specified channels"
)


def _reachable_channels(
    state: PlatformState, contact_id: str | None, phone: str | None
) -> list[str]:
    if contact_id is not None:
        return contact_channels(state.contacts[contact_id])
    # A phone the platform has no profile for can still get phone-based channels.
    return [channel for channel, field in CHANNEL_ID_FIELDS.items() if field == "phone" and phone]


def notifications_send(call: Call) -> dict[str, Any]:
    args, state = call.args, call.state
    if args.get("phone") in (None, "") and args.get("contactId") in (None, ""):
        raise ApiError("Field 'phone' or 'contactId' is required")
    message = args["message"]
    if not isinstance(message, dict) or not (message.get("text") or message.get("attachments")):
        raise ApiError("Field 'message' must be an object with text or attachments")
    designations = channel_designations(state, args["channels"])
    phone = normalize_phone(args["phone"]) if args.get("phone") not in (None, "") else None
    if args.get("contactId") not in (None, ""):
        contact_id: str | None = found(state.contacts, args["contactId"], "Contact").id
    else:
        person = find_by_identifier(state, "phone", phone)
        contact_id = person.id if person else None
    reachable = _reachable_channels(state, contact_id, phone)
    channel = next((d for d in designations if d in reachable), None)
    record = Notification(
        object_id(), phone, contact_id, message, args["channels"], "sent", now_iso()
    )
    state.notifications[record.id] = record

    def settle(later: PlatformState) -> None:
        if record.id not in later.notifications:
            return
        data: dict[str, Any] = {"id": record.id}
        if channel is None:
            data |= {"status": "error", "channel": designations[0]}
            data["statusDetails"] = {"desc": NO_DESTINATION}
        else:
            data |= {"status": "delivered", "channel": channel, "statusDetails": {}}
        later.notifications[record.id].status = data["status"]
        call.sb.emit({"type": "notification_message_updated", "data": data})

    call.sb.later(DELIVERY_SECONDS, settle)
    return {"id": record.id}


HANDLERS: dict[str, Handler] = {"notifications_send": notifications_send}
