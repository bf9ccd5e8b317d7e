from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CallbackRecord(models.Model):
    """Every callback body the platform sent, once, with its first delivery; each later delivery
    of the same body is a CallbackDelivery.

    The callback endpoint only stores the body (that is all that must be durable before the
    platform gets its 200); the applier applies it right after, in its own transaction.

    A record that could not be applied yet (a message for a dialog whose hand-over has not
    arrived, a status for a reply whose send answer is not stored) is parked under `waiting_for`
    and applied when that thing appears: nothing the platform sent is lost to ordering.
    """

    kind = models.CharField(_("kind"), max_length=64)
    body_hash = models.CharField(_("body hash"), max_length=64, unique=True)
    body = models.JSONField(_("body"))
    known = models.BooleanField(_("known kind"), default=True)
    # What the body lacked or gave as null ("data.operatorMode.expiresAt: missing"): kept and
    # applied all the same, with this note for whoever wonders why a field is empty.
    missing = models.JSONField(_("missing fields"), default=list, blank=True)
    deliveries = models.PositiveIntegerField(_("deliveries"), default=1)
    # The first delivery: when its request reached the desk (null for bodies stored by scripts)
    # and when it was stored (its 200 went out right after the commit).
    first_arrived_at = models.DateTimeField(_("first delivery arrived"), null=True, blank=True)
    first_received_at = models.DateTimeField(_("first delivery stored"), default=timezone.now)
    last_received_at = models.DateTimeField(_("last delivery stored"), default=timezone.now)
    waiting_for = models.CharField(_("waiting for"), max_length=160, blank=True, db_index=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # A body whose application failed (a bug, the database away) is retried after a backoff
    # and keeps its last error for inspection; it is never dropped.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    retry_after = models.DateTimeField(_("retry after"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("received callback")
        verbose_name_plural = _("received callbacks")
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


class Resolution(models.TextChoices):
    """What a repeated delivery of a body turned out to be."""

    PENDING = "pending", _("To reconcile with the platform")
    MESSAGE = "message", _("A new identical message")
    REDELIVERY = "redelivery", _("A re-delivery")


class CallbackDelivery(models.Model):
    """A delivery of a body the desk had already stored (callbacks/repeats.py).

    For most kinds a repeat can only be a re-delivery. A user's message carries no id, so the
    same text sent twice is the same body twice: such a repeat is `pending` until the dialog's
    messages on the platform tell which it was; a new message gets a Message of its own.
    """

    record = models.ForeignKey(
        CallbackRecord,
        on_delete=models.CASCADE,
        related_name="repeats",
        verbose_name=_("received callback"),
    )
    # The request reached the desk.
    arrived_at = models.DateTimeField(_("arrived at"))
    # Stored; its 200 went out right after the commit.
    answered_at = models.DateTimeField(_("answered at"))
    resolution = models.CharField(_("resolution"), max_length=16, choices=Resolution.choices)
    # The dialog of a repeated user message, whose messages on the platform decide it.
    conversation_platform_id = models.CharField(
        _("dialog ID on the platform"), max_length=64, blank=True
    )
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("message"),
    )
    # Why it was resolved so, or why it still waits.
    note = models.TextField(_("note"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    retry_after = models.DateTimeField(_("retry after"), null=True, blank=True)

    class Meta:
        verbose_name = _("repeated delivery")
        verbose_name_plural = _("repeated deliveries")
        indexes = [
            models.Index(
                fields=["conversation_platform_id", "arrived_at"],
                name="callback_repeat_pending",
                condition=models.Q(resolution="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.record.kind} again ({self.resolution})"


class CallbackSecret(models.Model):
    """A callback secret the desk generated and registered with the platform.

    Only the SHA-256 digest is kept: the callback endpoint hashes the `secret` of each body and
    compares digests in constant time. A secret is random (32 bytes), so an unsalted digest
    cannot be reversed by guessing.

    Lifecycle: pending (created just before callback/set, `activated_at` None, valid for the
    grace period in case the platform took it without answering) -> current (`activated_at`
    set, `expires_at` None) -> replaced (`expires_at` = replacement + grace period).
    """

    digest = models.CharField(_("SHA-256 digest"), max_length=64, unique=True)
    # The callback URL registered together with this secret (a rotation re-registers it).
    callback_url = models.URLField(_("callback URL"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("created by"),
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    # None: valid until replaced. Otherwise accepted until then.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("callback secret")
        verbose_name_plural = _("callback secrets")
        # Made by the administration app, whose table it keeps (migrations 0004 here, 0003
        # there: the model moved, the rows did not).
        db_table = "administration_callbacksecret"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"callback secret sha256:{self.digest[:12]}"

    @property
    def fingerprint(self) -> str:
        """What the admin pages show to tell secrets apart."""
        return f"sha256:{self.digest[:12]}"

    def accepted_at(self, moment) -> bool:
        return self.expires_at is None or self.expires_at > moment
