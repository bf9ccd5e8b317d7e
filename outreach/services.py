"""Recording what the platform reports about campaigns and notifications."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fromni import callbacks as cb
from outreach.models import Campaign, Notification

# Later statuses win; an earlier one arriving late is ignored.
NOTIFICATION_RANK = {"sent": 1, "unknown": 1, "delivered": 2, "read": 3}
FINAL_RANK = 4


@transaction.atomic
def campaign_completed_record(*, data: cb.CampaignCompleted) -> Campaign:
    campaign, _ = Campaign.objects.select_for_update().get_or_create(platform_id=data.id)
    campaign.name = data.name or campaign.name
    campaign.data = data.model_dump(mode="json", exclude_none=True)
    campaign.platform_created_at = data.created_at
    campaign.completed_at = campaign.completed_at or timezone.now()
    campaign.save()
    return campaign


@transaction.atomic
def notification_status_record(*, data: cb.NotificationUpdated) -> Notification:
    notification, _ = Notification.objects.select_for_update().get_or_create(platform_id=data.id)
    current = NOTIFICATION_RANK.get(notification.status, FINAL_RANK if notification.status else 0)
    incoming = NOTIFICATION_RANK.get(data.status, FINAL_RANK)
    if incoming > current:
        notification.status = data.status
        notification.channel = data.channel or notification.channel
        notification.status_details = data.status_details or {}
        notification.status_updated_at = timezone.now()
        notification.save()
    return notification
