"""Contacts as JSON for the desk's pages, the contact API and events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contacts.models import Contact, Variable
from contacts.values import shown_value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def variables_data(contact: Contact, definitions: Iterable[Variable]) -> list[dict[str, Any]]:
    """The contact's variable values, as the platform lists them: [{id, name, validateAs,
    value}] in the order of the definitions, only the ones with a value."""
    values = contact.variable_values
    return [
        {
            "id": v.platform_id,
            "name": v.name,
            "validateAs": v.validate_as,
            "value": shown_value(v.validate_as, values[v.key]),
        }
        for v in definitions
        if v.key in values
    ]


def contact_row(contact: Contact) -> dict[str, Any]:
    """A contact in a list: no variables (the list shows the columns it was asked for)."""
    return {
        "id": contact.pk,
        "platformId": contact.platform_id,
        "name": contact.display_name,
        "identifiers": contact.identifiers(),
        "channels": contact.channels(),
        "createdAt": _iso(contact.platform_created_at),
        "updatedAt": _iso(contact.platform_updated_at),
    }


def contact_data(contact: Contact, definitions: Iterable[Variable] | None = None) -> dict[str, Any]:
    """The whole contact: identifiers, source profiles, variables, times."""
    if definitions is None:
        keys = [int(k[1:]) for k in contact.variable_values if k[1:].isdigit()]
        definitions = Variable.objects.filter(pk__in=keys).order_by("pk") if keys else []
    return {
        **contact_row(contact),
        "sourceProfiles": contact.source_profiles,
        "variables": variables_data(contact, definitions),
        "mergedInto": contact.merged_into_id,
    }
