from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """A campaign the platform ran, with its final statistics once `campaign_completed` came."""

    platform_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name or self.platform_id


class Notification(models.Model):
    """A template notification sent through the platform and its latest delivery status.

    Sent from the desk, it remembers the conversation whose window had closed, the template,
    the text as filled in and who sent it; a status may arrive before the send's answer is
    recorded, so every field but `platform_id` may be filled in later.
    """

    platform_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=32, blank=True)
    status_details = models.JSONField(default=dict, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    template_id = models.CharField(max_length=64, blank=True)
    template_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    channels = models.JSONField(default=list, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"notification {self.platform_id}: {self.status}"
