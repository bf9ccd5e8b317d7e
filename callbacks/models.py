from __future__ import annotations

from django.db import models
from django.utils import timezone


class CallbackRecord(models.Model):
    """Every callback body the platform sent, once, however often it was delivered.

    The callback endpoint only stores the body (that is all that must be durable before the
    platform gets its 200); the applier applies it right after, in its own transaction.

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
    # A body whose application failed (a bug, the database away) is retried after a backoff
    # and keeps its last error for inspection; it is never dropped.
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "-first_received_at"]),
            # The applier's queue: received, known, not applied, not parked.
            models.Index(
                fields=["id"],
                name="callback_pending",
                condition=models.Q(applied_at=None, waiting_for="", known=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.deliveries}x)"
