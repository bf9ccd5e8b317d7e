"""What the admin configures that the platform does not keep for the desk.

The platform holds the account's callback settings, connections and templates; the desk keeps
only what it must decide itself: which callback secrets it accepts (as digests, never the
secret), and which connections it serves and who sees their queue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CallbackSecret(models.Model):
    """A callback secret the desk generated and registered with the platform.

    Only the SHA-256 digest is kept: the callback endpoint hashes the `secret` of each body and
    compares digests in constant time. A secret is random (32 bytes), so an unsalted digest
    cannot be reversed by guessing.

    Lifecycle: pending (created just before callback/set, `activated_at` None, valid for the
    grace period in case the platform took it without answering) -> current (`activated_at`
    set, `expires_at` None) -> replaced (`expires_at` = replacement + grace period).
    """

    digest = models.CharField(max_length=64, unique=True)
    # The callback URL registered together with this secret (a rotation re-registers it).
    callback_url = models.URLField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    # None: valid until replaced. Otherwise accepted until then.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"callback secret sha256:{self.digest[:12]}"

    @property
    def fingerprint(self) -> str:
        """What the admin pages show to tell secrets apart."""
        return f"sha256:{self.digest[:12]}"

    def accepted_at(self, moment) -> bool:
        return self.expires_at is None or self.expires_at > moment


class ConnectionPolicy(models.Model):
    """Whether the desk serves a platform connection, and who sees its queue.

    No row means the defaults: served, seen by every operator. With teams or operators listed
    (`restricted`), only those (plus supervisors and admins) see its queued conversations, in
    the API lists and in websocket events alike.
    """

    connection = models.OneToOneField(
        "conversations.Connection", on_delete=models.CASCADE, related_name="policy"
    )
    # An unserved connection's hand-overs are recorded as callbacks but queue nothing.
    served = models.BooleanField(default=True)
    teams = models.ManyToManyField("operators.Team", blank=True, related_name="connections")
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="connection_policies"
    )
    # Denormalised "has any team or operator", so the visibility check is one indexed query.
    restricted = models.BooleanField(default=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "connection policies"

    def __str__(self) -> str:
        return f"policy of {self.connection}"
