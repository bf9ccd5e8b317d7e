"""Contacts as JSON for the desk's pages and events."""

from __future__ import annotations

from typing import Any

from contacts.models import Contact


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "platformId": contact.platform_id,
        "name": contact.display_name,
        "identifiers": contact.identifiers(),
        "sourceProfiles": contact.source_profiles,
        "variables": contact.raw.get("variables", []),
        "createdAt": contact.platform_created_at.isoformat()
        if contact.platform_created_at
        else None,
        "updatedAt": contact.platform_updated_at.isoformat()
        if contact.platform_updated_at
        else None,
    }
