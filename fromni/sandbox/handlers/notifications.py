"""notifications/send: one message, tried on each requested channel until one can reach the
contact; the outcome arrives later as `notification_message_updated`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fromni.methods import CHANNEL_ID_FIELDS

from ..app import Sandbox
from ..clock import now_iso
from ..ids import object_id
from ..profiles import find_by_identifier
from ..state import Notification, PlatformState
from ..values import normalize_phone
from ..views import contact_channels
from .base import ApiError, Call, Handler, channel_designations, found, require_connections

DELIVERY_SECONDS = 2.0
NO_DESTINATION = (
    "Unable to send to any channel because contact doesn't have destination params for "
    "specified channels"
)
NO_DETAILS = {"desc": NO_DESTINATION}
SEQUENCE = ("sent", "delivered", "read")


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
    channels = args.get("channels")
    if channels is None:
        # Only reachable with notification_channels_optional (the required check refuses it
        # otherwise): "the notification will be sent in accordance with the account settings",
        # read here as every channel the account has a connection on, in connection order.
        channels = [{"name": name} for name in account_channels(state)]
    if call.sb.variants.channel_entries_need_connections:
        require_connections(state, channels)
    designations = channel_designations(state, channels)
    phone = normalize_phone(args["phone"]) if args.get("phone") not in (None, "") else None
    if args.get("contactId") not in (None, ""):
        contact_id: str | None = found(state.contacts, args["contactId"], "Contact").id
    else:
        person = find_by_identifier(state, "phone", phone)
        contact_id = person.id if person else None
    record = send(
        call.sb,
        state,
        phone=phone,
        contact_id=contact_id,
        message=message,
        channels=channels,
        designations=designations,
    )
    return {"id": record.id}


def send(
    sb: Sandbox,
    state: PlatformState,
    *,
    phone: str | None,
    contact_id: str | None,
    message: dict[str, Any],
    channels: list[Any],
    designations: list[str],
) -> Notification:
    """Record a notification and schedule the callbacks of its outcome: the first of the
    `designations` (the channels asked for, by name) that can reach the contact is used."""
    reachable = _reachable_channels(state, contact_id, phone)
    channel = next((d for d in designations if d in reachable), None)
    record = Notification(object_id(), phone, contact_id, message, channels, "sent", now_iso())
    state.notifications[record.id] = record
    if channel is None:
        steps = [{"status": "error", "channel": designations[0], "statusDetails": NO_DETAILS}]
    elif sb.variants.notification_status_sequence:
        # The other reading: every status on its way, none with statusDetails.
        steps = [{"status": status, "channel": channel} for status in SEQUENCE]
    else:
        steps = [{"status": "delivered", "channel": channel, "statusDetails": {}}]
    for number, step in enumerate(steps):
        sb.later(DELIVERY_SECONDS + number, _report(sb, record.id, step))
    return record


def _report(sb: Sandbox, notification_id: str, step: dict[str, Any]) -> Callable[..., None]:
    def report(later: PlatformState) -> None:
        if notification_id not in later.notifications:
            return
        later.notifications[notification_id].status = step["status"]
        data = {"id": notification_id, **step}
        sb.emit({"type": "notification_message_updated", "data": data})

    return report


def account_channels(state: PlatformState) -> list[str]:
    return list(dict.fromkeys(conn.channel for conn in state.connections.values()))


HANDLERS: dict[str, Handler] = {"notifications_send": notifications_send}
