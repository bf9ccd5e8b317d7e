from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fromni.methods import CHANNEL_ID_FIELDS

# Contact fields that hold the contact's id in a channel (see fromni.methods.CHANNEL_ID_FIELDS).
IDENTIFIER_FIELDS = {
    "phone": "phone",
    "vkId": "vk_id",
    "telegramId": "telegram_id",
    "viberId": "viber_id",
    "fbId": "fb_id",
    "instagramId": "instagram_id",
}


class VariableType(models.TextChoices):
    STRING = "STRING", _("String")
    NUMBER = "NUMBER", _("Number")
    DATE = "DATE", _("Date")


class Variable(models.Model):
    """A contact variable defined on the platform (variables/list): its id, name and type."""

    platform_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    validate_as = models.CharField(
        max_length=8, choices=VariableType.choices, default=VariableType.STRING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("variable")
        verbose_name_plural = _("variables")

    def __str__(self) -> str:
        return f"{self.name} ({self.validate_as})"

    @property
    def key(self) -> str:
        """The key of this variable's value in Contact.variable_values.

        The local pk, not the platform id: a key made only of digits would be read as an array
        index by Django's JSON lookups, and a short key keeps a million JSON documents small.
        """
        return f"v{self.pk}"


class Contact(models.Model):
    """The desk's mirror of a platform contact (a user's digital profile)."""

    platform_id = models.CharField(_("platform ID"), max_length=64, unique=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    vk_id = models.CharField(_("VK ID"), max_length=64, blank=True)
    telegram_id = models.CharField(_("Telegram ID"), max_length=64, blank=True)
    viber_id = models.CharField(_("Viber ID"), max_length=64, blank=True)
    fb_id = models.CharField(_("Facebook ID"), max_length=64, blank=True)
    instagram_id = models.CharField(_("Instagram ID"), max_length=64, blank=True)
    # Public data a channel gave about the user, by channel designation ({"vk": {...}}).
    source_profiles = models.JSONField(_("channel profiles"), default=dict, blank=True)
    # Variable values by Variable.key ({"v3": "Moscow", "v7": 12, "v9": "2024-03-01T00:...Z"}),
    # typed by the variable: NUMBER values are JSON numbers, DATE values canonical UTC strings
    # with microseconds (so text order is time order), STRING values strings; empty values are
    # left out. Why one JSON column and not a row per value (EAV): a list page walks the
    # contacts in list order testing each row's own document, with no join per condition, and
    # when a condition is selective, PostgreSQL combines the per-variable expression indexes
    # (contacts/indexes.py), whose statistics tell it which one is. bench/contacts measures it
    # at a million contacts.
    variable_values = models.JSONField(_("variable values"), default=dict, blank=True)
    # The display name (variables First Name/Last Name, else a channel profile's name), and a
    # lower-cased haystack of name, phone digits and identifiers for the quick search (a trigram
    # index on PostgreSQL).
    name = models.CharField(_("display name"), max_length=200, blank=True)
    search = models.TextField(_("search text"), blank=True)
    # The whole contact as the platform last sent it, unknown fields included.
    raw = models.JSONField(_("as the platform sent it"), default=dict, blank=True)
    platform_created_at = models.DateTimeField(_("created on the platform"), null=True, blank=True)
    platform_updated_at = models.DateTimeField(_("updated on the platform"), null=True, blank=True)
    # Set when the platform merged this contact into another: the old id resolves to it.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # Keyset pages of the contact list in its default order (newest first), and by
            # last change; both directions use the same index.
            models.Index(fields=["-platform_created_at", "-id"], name="contact_created_keyset"),
            models.Index(fields=["-platform_updated_at", "-id"], name="contact_updated_keyset"),
            models.Index(fields=["name", "id"], name="contact_name_keyset"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        return self.phone or self.telegram_id or self.vk_id or self.platform_id

    def channels(self) -> list[str]:
        """The channel designations the contact can be reached on (the filter's `channels`)."""
        return [
            designation
            for designation, field in CHANNEL_ID_FIELDS.items()
            if (
                designation in self.source_profiles
                if field == "id"
                else self.identifiers().get(field)
            )
        ]

    def identifiers(self) -> dict[str, str]:
        """{platform field: value} for every channel id the contact has."""
        found = {field: getattr(self, attr) for field, attr in IDENTIFIER_FIELDS.items()}
        return {field: value for field, value in found.items() if value}


class SyncCheckpoint(models.Model):
    """Where an interrupted `fromni_sync` stopped, so that running it again goes on from there
    (cleared when a run completes: the next one reads everything again)."""

    kind = models.CharField(max_length=32, unique=True)
    position = models.CharField(max_length=64)
    done = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sync checkpoint")
        verbose_name_plural = _("sync checkpoints")

    def __str__(self) -> str:
        return f"{self.kind} after {self.position}"
