"""Recording what the platform reports about campaigns and notifications."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.models import Connection, Conversation
from conversations.selectors import conversation_seen
from fromni import callbacks as cb
from fromni.errors import FromniAPIError, FromniError, FromniTransportError, FromniValueError
from fromni.methods import channel_family
from operator_desk.columns import fitted
from operator_desk.db import locked
from operator_desk.errors import DeskError, Forbidden, Invalid
from operator_desk.platform import platform_client
from operators.access import supervises
from outreach.models import Campaign, Notification
from outreach.serializers import notification_data
from outreach.templates import (
    approved_channels,
    contact_values,
    platform_template,
    template_data,
    template_fill,
)
from realtime.services import event_emit

# Later statuses win; an earlier one arriving late is ignored.
NOTIFICATION_RANK = {"sent": 1, "unknown": 1, "delivered": 2, "read": 3}
FINAL_RANK = 4


@transaction.atomic
def campaign_completed_record(*, data: cb.CampaignCompleted) -> Campaign:
    campaign, _created = locked(Campaign.objects).get_or_create(platform_id=data.id)
    campaign.name = fitted(Campaign, "name", data.name or campaign.name)
    campaign.data = data.model_dump(mode="json", exclude_none=True)
    campaign.platform_created_at = data.created_at
    campaign.completed_at = campaign.completed_at or timezone.now()
    campaign.save()
    return campaign


@transaction.atomic
def notification_status_record(*, data: cb.NotificationUpdated) -> Notification:
    notification, _created = locked(Notification.objects).get_or_create(platform_id=data.id)
    current = NOTIFICATION_RANK.get(notification.status, FINAL_RANK if notification.status else 0)
    incoming = NOTIFICATION_RANK.get(data.status, FINAL_RANK)
    if incoming > current:
        notification.status = fitted(Notification, "status", data.status)
        notification.channel = fitted(Notification, "channel", data.channel or notification.channel)
        notification.status_details = data.status_details or {}
        notification.status_updated_at = timezone.now()
        notification.save()
        if notification.conversation_id:
            # Sent from a conversation: its operator watches it. (A status that comes before the
            # send's answer is recorded is pushed by notification_record_sent.)
            _emit_status(notification)
    return notification


class PlatformRefused(DeskError):
    status, code = 502, "platform_error"


def _emit_status(notification: Notification) -> None:
    conversation = notification.conversation
    event_emit(
        type="desk.notification_status",
        payload={"notification": notification_data(notification)},
        audience_user_id=conversation.assignee_id if conversation else None,
    )


def notification_prepare(
    *,
    conversation_id: int,
    user: User,
    template_id: str,
    channels: Sequence[str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a template notification to the conversation's contact would be: the template, the
    text with #VARIABLES# filled (the contact's variables, then `values` typed by the operator),
    and the channels (the template's approved ones unless a subset is chosen)."""
    conversation = conversation_seen(user=user, conversation_id=conversation_id)
    supervising = supervises(user)
    if conversation.assignee_id not in (None, user.pk) and not supervising:
        raise Forbidden(_("Only the conversation's operator can notify its contact."))
    try:
        template = platform_template(str(template_id))
    except FromniError as error:
        raise PlatformRefused(
            _("The platform's templates could not be read: %(error)s") % {"error": error}
        ) from None
    if template is None:
        raise Invalid(_("There is no template %(id)s.") % {"id": template_id})
    filled_from = contact_values(conversation.contact.raw.get("variables") or [])
    filled_from.update({str(k).upper(): str(v) for k, v in (values or {}).items() if v})
    text, missing = template_fill(template.text or "", filled_from)
    allowed = approved_channels(template)
    chosen = list(channels) if channels else allowed
    if not chosen:
        raise Invalid(_("The template is not approved on any channel."))
    outside = [channel for channel in chosen if channel not in allowed]
    if outside:
        raise Invalid(
            _("The template is not approved on %(channels)s.") % {"channels": ", ".join(outside)},
            allowed=allowed,
        )
    return {
        "conversation": conversation,
        "template": template_data(template),
        "text": text,
        "missing": missing,
        "channels": chosen,
    }


def notification_send(
    *,
    conversation_id: int,
    user: User,
    template_id: str,
    channels: Sequence[str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Notification:
    """Reach a conversation's contact with a template notification (its window has closed, so
    free text is refused). The platform call is made outside any transaction; its status comes
    later as `notification_message_updated` and is pushed as desk.notification_status."""
    prepared = notification_prepare(
        conversation_id=conversation_id,
        user=user,
        template_id=template_id,
        channels=channels,
        values=values,
    )
    if prepared["missing"]:
        names = ", ".join(f"#{key}#" for key in prepared["missing"])
        raise Invalid(_("Fill in %(names)s first.") % {"names": names}, missing=prepared["missing"])
    conversation = prepared["conversation"]
    steps = channel_steps(conversation=conversation, designations=prepared["channels"])
    try:
        result = platform_client().notifications_send(
            prepared["text"], steps, contact_id=conversation.contact.platform_id
        )
    except FromniValueError as error:
        raise Invalid(str(error)) from None
    except FromniTransportError as error:
        if error.maybe_delivered:
            raise PlatformRefused(
                _(
                    "The platform did not answer; the notification may have been sent. "
                    "Check with the contact before sending it again."
                )
            ) from None
        raise PlatformRefused(
            _("The platform could not be reached: %(error)s") % {"error": error}
        ) from None
    except FromniAPIError as error:
        raise PlatformRefused(
            _("The platform refused the notification: %(error)s") % {"error": error.message}
        ) from None
    except FromniError as error:
        raise PlatformRefused(
            _("The platform refused the notification: %(error)s") % {"error": error}
        ) from None
    return notification_record_sent(
        platform_id=str(result.id),
        conversation_id=conversation.pk,
        user=user,
        template=prepared["template"],
        text=prepared["text"],
        channels=prepared["channels"],
    )


def channel_steps(
    *, conversation: Conversation, designations: Sequence[str]
) -> list[dict[str, Any]]:
    """The notification's channel entries, each naming its connections: the reference's
    examples always do and its field table does not say whether they may be left out
    (docs/platform.md). For the dialog's own channel, the connection it came through; for
    another, the account's connections of that channel the desk knows; none known, the
    designation alone."""
    known: dict[str, list[int]] = defaultdict(list)
    for platform_id, channel in Connection.objects.values_list("platform_id", "channel"):
        known[channel_family(channel)].append(platform_id)
    own = conversation.connection
    steps: list[dict[str, Any]] = []
    for designation in designations:
        family = channel_family(designation)
        if own is not None and channel_family(own.channel) == family:
            ids = [own.platform_id]
        else:
            ids = sorted(known.get(family, []))
        steps.append({"name": designation, "connections": ids} if ids else {"name": designation})
    return steps


@transaction.atomic
def notification_record_sent(
    *,
    platform_id: str,
    conversation_id: int,
    user: User,
    template: Mapping[str, Any],
    text: str,
    channels: Sequence[str],
) -> Notification:
    """The platform took the notification. Its status may have arrived first (then the row
    exists with it, and keeps it)."""
    notification, created = locked(Notification.objects).get_or_create(platform_id=platform_id)
    notification.conversation_id = conversation_id
    notification.sent_by = user
    notification.template_id = str(template["id"])
    notification.template_name = template["name"]
    notification.text = text
    notification.channels = list(channels)
    if not notification.status:
        notification.status = "sent"
        notification.status_updated_at = timezone.now()
    notification.save()
    notification = Notification.objects.select_related("conversation", "sent_by").get(
        pk=notification.pk
    )
    _emit_status(notification)
    return notification
