from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class OperatorProfile(models.Model):
    """What the desk knows about an operator beyond Django's user: capacity, team, presence."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="operator",
        verbose_name=_("user"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("team"),
    )
    # How many open conversations the operator takes at once (automatic assignment respects it).
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=5)
    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.OFFLINE
    )
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    # The pages' language (a code of settings.LANGUAGES); blank: the browser's Accept-Language.
    language = models.CharField(_("language"), max_length=16, blank=True, default="")
    # An IANA zone name for the times the pages show; blank: the desk's (DeskSettings).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("operator profile")
        verbose_name_plural = _("operator profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.presence})"


class DeskSettings(models.Model):
    """What an admin sets for the whole desk on its pages (one row, pk 1). Only what may change
    without a restart lives here; the rest is the environment's (docs/settings.md)."""

    # An IANA zone name; blank: settings.TIME_ZONE (DESK_TIME_ZONE).
    time_zone = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return f"desk settings (time zone {self.time_zone or 'from DESK_TIME_ZONE'})"
