from __future__ import annotations

from django.db import models
from django.utils import timezone


class CallbackRecord(models.Model):
    """Every callback body the platform sent, once, however often it was delivered.

    A record that could not be applied yet (a message for a dialog whose hand-over has not
    arrived, a status for a reply whose send answer is not stored) is parked under `waiting_for`
    and applied when that thing appears: nothing the platform sent is lost to ordering.
    """

    kind = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64, unique=True)
    body = models.JSONField()
    known = models.BooleanField(default=True)
    deliveries = models.PositiveIntegerField(default=1)
    first_received_at = models.DateTimeField(default=timezone.now)
    last_received_at = models.DateTimeField(default=timezone.now)
    waiting_for = models.CharField(max_length=160, blank=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "-first_received_at"])]

    def __str__(self) -> str:
        return f"{self.kind} ({self.deliveries}x)"
