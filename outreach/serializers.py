"""Notifications as JSON, for the API's answers and the websocket's events alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from outreach.models import Notification


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def notification_data(notification: Notification) -> dict[str, Any]:
    sender = notification.sent_by
    return {
        "id": notification.pk,
        "platformId": notification.platform_id,
        "conversationId": notification.conversation_id,
        "templateId": notification.template_id or None,
        "templateName": notification.template_name or None,
        "text": notification.text,
        "channels": notification.channels,
        "status": notification.status or None,
        "channel": notification.channel or None,
        "statusDetails": notification.status_details or {},
        "sentBy": sender and {"id": sender.pk, "name": sender.get_full_name() or sender.username},
        "createdAt": _iso(notification.created_at),
        "statusUpdatedAt": _iso(notification.status_updated_at),
    }
