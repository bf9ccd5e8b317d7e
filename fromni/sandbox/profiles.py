"""Contacts (the platform's digital profiles): create, find, change, merge, set variables.

Every function runs inside a state transaction and announces what it changed with the
platform's contact callbacks.
"""

from __future__ import annotations

import random
from typing import Any

from .app import Sandbox
from .clock import now_iso
from .ids import object_id
from .state import Contact, PlatformState, Variable
from .values import check_variable_value, normalize_phone
from .views import contact as contact_view

# Channel identifiers that name one person: a second contact with the same one is merged.
IDENTIFIER_FIELDS = ("phone", "vkId", "instagramId", "telegramId", "viberId", "fbId")
# Fields the platform owns; nobody sets them through the API.
RESERVED_FIELDS = ("id", "createdAt", "updatedAt", "variables")


def find_by_identifier(
    state: PlatformState, field: str, value: Any, *, besides: Contact | None = None
) -> Contact | None:
    """The contact (other than `besides`) whose `field` is `value`."""
    if value in (None, ""):
        return None
    wanted = str(value)
    for person in state.contacts.values():
        if person is not besides and str(person.fields.get(field, "")) == wanted:
            return person
    return None


def find_existing(state: PlatformState, fields: dict[str, Any]) -> Contact | None:
    """The contact that already owns one of these channel identifiers, if any."""
    for field in IDENTIFIER_FIELDS:
        found = find_by_identifier(state, field, fields.get(field))
        if found:
            return found
    return None


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as stored: reserved ones refused, the phone normalised."""
    for name in RESERVED_FIELDS:
        if name in fields:
            raise ValueError(f"Field '{name}' cannot be set")
    cleaned = dict(fields)
    if cleaned.get("phone") is not None:
        cleaned["phone"] = normalize_phone(cleaned["phone"])
    return cleaned


def resolve_variable(state: PlatformState, ref: Any) -> Variable:
    """A variable named by `{"id": ...}` or `{"name": ...}` (the reference allows both)."""
    if not isinstance(ref, dict):
        raise ValueError(f"variable must be an object with id or name, got {ref!r}")
    if ref.get("id") is not None:
        var = state.variables.get(str(ref["id"]))
        if var is None:
            raise ValueError(f"Variable '{ref['id']}' not found")
        return var
    name = ref.get("name")
    for var in state.variables.values():
        if var.name == name:
            return var
    raise ValueError(f"Variable '{name}' not found")


def check_variables(state: PlatformState, items: Any) -> dict[str, Any]:
    """Variable id -> checked value, for `[{"id"|"name", "value"}]`; ValueError on any mistake."""
    if not isinstance(items, list):
        raise ValueError("variables must be an array")
    checked: dict[str, Any] = {}
    for item in items:
        var = resolve_variable(state, item)
        if "value" not in item:
            raise ValueError(f"Field 'value' is required for variable '{var.name}'")
        checked[var.id] = check_variable_value(var.name, var.validate_as, item["value"])
    return checked


def apply_variables(person: Contact, values: dict[str, Any]) -> None:
    for var_id, value in values.items():
        if value is None:
            person.variables.pop(var_id, None)
        else:
            person.variables[var_id] = value


def new_contact(state: PlatformState, fields: dict[str, Any]) -> Contact:
    stamp = now_iso()
    person = Contact(object_id(), clean_fields(fields), {}, stamp, stamp)
    state.contacts[person.id] = person
    return person


def announce_created(sb: Sandbox, state: PlatformState, people: list[Contact]) -> None:
    if people:
        data = [contact_view(state, person) for person in people]
        sb.emit({"type": "contact_created", "data": data})


def announce_updated(sb: Sandbox, state: PlatformState, person: Contact) -> None:
    sb.emit({"type": "contact_updated", "data": contact_view(state, person)})


def update_contact(
    sb: Sandbox, state: PlatformState, person: Contact, changes: dict[str, Any]
) -> Contact:
    """Change fields (None removes one); a clash of identifiers merges the other contact in."""
    cleaned = clean_fields(changes)
    for name, value in cleaned.items():
        if value is None:
            person.fields.pop(name, None)
        else:
            person.fields[name] = value
    person.updated_at = now_iso()
    for field in IDENTIFIER_FIELDS:
        if field in cleaned:
            # Not the contact itself: it has the new value already, and may come first.
            other = find_by_identifier(state, field, cleaned[field], besides=person)
            if other is not None:
                merge_contacts(sb, state, preserved=person, deleted=other)
    announce_updated(sb, state, person)
    return person


def merge_contacts(sb: Sandbox, state: PlatformState, preserved: Contact, deleted: Contact) -> None:
    """Move everything of `deleted` to `preserved`, drop `deleted`, send `contact_merged`."""
    gone = contact_view(state, deleted)
    for name, value in deleted.fields.items():
        preserved.fields.setdefault(name, value)
    for var_id, value in deleted.variables.items():
        preserved.variables.setdefault(var_id, value)
    for conv in state.conversations.values():
        if conv.contact_id == deleted.id:
            conv.contact_id = preserved.id
    for deal in state.deals.values():
        if deal.contact_id == deleted.id:
            deal.contact_id = preserved.id
    for note in state.notifications.values():
        if note.contact_id == deleted.id:
            note.contact_id = preserved.id
    del state.contacts[deleted.id]
    preserved.updated_at = now_iso()
    sb.emit(
        {
            "type": "contact_merged",
            "data": {"preservedContact": contact_view(state, preserved), "deletedContact": gone},
        }
    )


# --- made-up people for dialogs started without a contact ---------------------------------

PEOPLE = (
    ("Anna", "Volkova"),
    ("Boris", "Sokolov"),
    ("Dmitry", "Popov"),
    ("Elena", "Kuznetsova"),
    ("Igor", "Kozlov"),
    ("Olga", "Lebedeva"),
    ("Pavel", "Novikov"),
    ("Sofia", "Morozova"),
)
CITIES = ((1, "Moscow"), (2, "Saint Petersburg"), (3, "Kazan"), (4, "Novosibirsk"))


def random_identity(channel: str, rng: random.Random) -> dict[str, Any]:
    """Fields a new user writing on `channel` would arrive with: its identifier and profile."""
    first, last = rng.choice(PEOPLE)
    phone = "+79" + "".join(str(rng.randrange(10)) for _ in range(9))
    number = rng.randrange(10_000_000, 999_999_999)
    if channel == "vk":
        city_id, city = rng.choice(CITIES)
        profile = {"first_name": first, "id": number, "last_name": last, "is_closed": False}
        return {"vkId": number, "vk": {**profile, "city": {"id": city_id, "title": city}}}
    if channel == "telegram":
        username = f"{first}_{last}".lower()
        return {
            "telegramId": number,
            "telegram": {"id": number, "first_name": first, "username": username},
        }
    if channel == "viber-bots":
        viber_id = f"{number:x}=="
        return {"viberId": viber_id, "viber-bots": {"id": viber_id, "name": f"{first} {last}"}}
    if channel == "webchat":
        return {"webchat": {"name": f"{first} {last}", "page": "https://fromni.shop/"}}
    if channel == "instagram":
        return {"instagramId": number, "instagram": {"username": f"{first}.{last}".lower()}}
    if channel == "fb":
        return {"fbId": number, "fb": {"first_name": first, "last_name": last}}
    return {"phone": phone}
