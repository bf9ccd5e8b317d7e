from __future__ import annotations

from django.db import models


class Campaign(models.Model):
    """A campaign the platform ran, with its final statistics once `campaign_completed` came."""

    platform_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name or self.platform_id


class Notification(models.Model):
    """A template notification sent through the platform and its latest delivery status."""

    platform_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=32, blank=True)
    status_details = models.JSONField(default=dict, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"notification {self.platform_id}: {self.status}"
