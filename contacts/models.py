from __future__ import annotations

from django.db import models

# Contact fields that hold the contact's id in a channel (see fromni.methods.CHANNEL_ID_FIELDS).
IDENTIFIER_FIELDS = {
    "phone": "phone",
    "vkId": "vk_id",
    "telegramId": "telegram_id",
    "viberId": "viber_id",
    "fbId": "fb_id",
    "instagramId": "instagram_id",
}


class Contact(models.Model):
    """The desk's mirror of a platform contact (a user's digital profile)."""

    platform_id = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    vk_id = models.CharField(max_length=64, blank=True)
    telegram_id = models.CharField(max_length=64, blank=True)
    viber_id = models.CharField(max_length=64, blank=True)
    fb_id = models.CharField(max_length=64, blank=True)
    instagram_id = models.CharField(max_length=64, blank=True)
    # Public data a channel gave about the user, by channel designation ({"vk": {...}}).
    source_profiles = models.JSONField(default=dict, blank=True)
    # The whole contact as the platform last sent it, unknown fields included.
    raw = models.JSONField(default=dict, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    # Set when the platform merged this contact into another: the old id resolves to it.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        for profile in self.source_profiles.values():
            if isinstance(profile, dict):
                name = " ".join(
                    str(profile[key]) for key in ("first_name", "last_name") if profile.get(key)
                )
                if name:
                    return name
        return self.phone or self.telegram_id or self.vk_id or self.platform_id

    def identifiers(self) -> dict[str, str]:
        """{platform field: value} for every channel id the contact has."""
        found = {field: getattr(self, attr) for field, attr in IDENTIFIER_FIELDS.items()}
        return {field: value for field, value in found.items() if value}
