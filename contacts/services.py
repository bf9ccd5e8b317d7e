"""Writes to the contact mirror, driven by the platform's callbacks."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from contacts.models import IDENTIFIER_FIELDS, Contact
from contacts.serializers import contact_data
from fromni import models as platform
from realtime.services import event_emit


def _fields_from_platform(data: platform.Contact) -> dict:
    raw = data.model_dump(mode="json", exclude_none=True)
    fields = {
        attr: "" if raw.get(field) is None else str(raw[field])
        for field, attr in IDENTIFIER_FIELDS.items()
    }
    fields.update(
        source_profiles=data.source_profiles,
        raw=raw,
        platform_created_at=data.created_at,
        platform_updated_at=data.updated_at,
    )
    return fields


def _is_stale(contact: Contact, data: platform.Contact) -> bool:
    """An update older than what is stored must not overwrite newer data."""
    stored, incoming = contact.platform_updated_at, data.updated_at
    return stored is not None and incoming is not None and incoming < stored


def contact_resolve(contact: Contact) -> Contact:
    """Follow merges to the surviving contact."""
    seen = set()
    while contact.merged_into_id is not None and contact.pk not in seen:
        seen.add(contact.pk)
        contact = contact.merged_into
    return contact


@transaction.atomic
def contact_upsert(*, data: platform.Contact, emit: bool = True) -> Contact:
    """Create or refresh the mirror of a platform contact. Returns the surviving contact."""
    fields = _fields_from_platform(data)
    contact = Contact.objects.select_for_update().filter(platform_id=data.id).first()
    if contact is None:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(platform_id=data.id, **fields)
        except IntegrityError:  # created concurrently: update it instead
            contact = Contact.objects.select_for_update().get(platform_id=data.id)
        else:
            if emit:
                event_emit(type="desk.contact_updated", payload=contact_data(contact))
            return contact
    if contact.merged_into_id is not None or _is_stale(contact, data):
        return contact_resolve(contact)
    changed = [name for name, value in fields.items() if getattr(contact, name) != value]
    if changed:
        for name in changed:
            setattr(contact, name, fields[name])
        contact.save(update_fields=[*changed, "updated_at"])
        if emit:
            event_emit(type="desk.contact_updated", payload=contact_data(contact))
    return contact


@transaction.atomic
def contact_merge(*, preserved: platform.Contact, deleted: platform.Contact) -> Contact:
    """The platform merged `deleted` into `preserved`: everything of the deleted contact moves
    to the survivor, and the old id keeps resolving to it."""
    survivor = contact_upsert(data=preserved, emit=False)
    if deleted.id == preserved.id:
        event_emit(type="desk.contact_updated", payload=contact_data(survivor))
        return survivor
    gone = contact_upsert(data=deleted, emit=False)
    gone = Contact.objects.select_for_update().get(pk=gone.pk)
    if gone.pk != survivor.pk and gone.merged_into_id != survivor.pk:
        moved = list(gone.conversations.values_list("platform_id", flat=True))
        gone.conversations.update(contact=survivor)
        # Contacts merged into the deleted one earlier now point at the survivor directly.
        Contact.objects.filter(merged_into=gone).update(merged_into=survivor)
        gone.merged_into = survivor
        gone.save(update_fields=["merged_into", "updated_at"])
        event_emit(
            type="desk.contact_merged",
            payload={
                "preserved": contact_data(survivor),
                "deletedPlatformId": gone.platform_id,
                "movedConversations": moved,
            },
        )
    return survivor
