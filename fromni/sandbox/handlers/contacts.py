"""Contacts and variables: contacts, contacts/get|create|update|variables, variables/*."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import now_iso
from ..filters import compile_filter
from ..ids import object_id
from ..profiles import (
    IDENTIFIER_FIELDS,
    announce_created,
    announce_updated,
    apply_variables,
    check_variables,
    find_existing,
    new_contact,
    update_contact,
)
from ..state import Contact, PlatformState, Variable
from ..values import VARIABLE_TYPES, normalize_phone
from ..views import contact as contact_view
from ..views import contact_channels, variable
from .base import ApiError, Call, Handler, found, listed

# Built-in contact fields a filter or an order may name, with how their values compare.
BUILTIN_KINDS = {
    "id": "string",
    "createdAt": "date",
    "updatedAt": "date",
    "channels": "array",
    "phone": "phone",
    **{name: "string" for name in IDENTIFIER_FIELDS if name != "phone"},
}


def _builtin(person: Contact, name: str) -> Any:
    if name == "id":
        return person.id
    if name == "createdAt":
        return person.created_at
    if name == "updatedAt":
        return person.updated_at
    if name == "channels":
        return contact_channels(person)
    return person.fields.get(name)


def _path(person: Contact, dotted: str) -> Any:
    value: Any = person.fields
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def contact_field(state: PlatformState, name: str) -> tuple[Callable[[Contact], Any], str] | None:
    """A filter/order field: a variable (by id or name), a built-in, or a profile path."""
    var = _variable(state, name)
    if var is not None:
        return (lambda person: person.variables.get(var.id)), var.validate_as.lower()
    if name in BUILTIN_KINDS:
        return (lambda person: _builtin(person, name)), BUILTIN_KINDS[name]
    if "." in name:  # e.g. "vk.city.title": a value inside a channel's source profile
        return (lambda person: _path(person, name)), "string"
    return None


def _filter_field(state: PlatformState, name: str, variables_only: bool) -> Any:
    # One reading of the reference, whose filter examples name variables and `channels` only.
    if variables_only and name != "channels" and _variable(state, name) is None:
        return None
    return contact_field(state, name)


def _variable(state: PlatformState, name: str) -> Variable | None:
    return state.variables.get(name) or next(
        (v for v in state.variables.values() if v.name == name), None
    )


def contacts_list(call: Call) -> dict[str, Any]:
    state = call.state
    variables_only = call.sb.variants.contact_filter_variables_only
    matches = compile_filter(
        call.args.get("filter"), lambda name: _filter_field(state, name, variables_only)
    )
    rows = [person for person in state.contacts.values() if matches(person)]

    def value_of(person: Contact, name: str) -> Any:
        resolved = contact_field(state, name)
        return resolved[0](person) if resolved else None

    shown = listed(call, rows, value_of, lambda name: contact_field(state, name) is not None)
    return {"data": [contact_view(state, person) for person in shown], "total": len(rows)}


def contacts_get(call: Call) -> dict[str, Any]:
    person = found(call.state.contacts, call.args["id"], "Contact")
    return contact_view(call.state, person)


def contacts_create(call: Call) -> dict[str, Any]:
    state, items = call.state, call.body
    if not isinstance(items, list) or not items:
        raise ApiError("Request body must be a non-empty array of contacts")
    # Check every item before changing anything: a bad one fails the whole call.
    prepared: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(f"Contact #{index} must be an object")
        if item.get("phone") in (None, ""):
            raise ApiError(f"Field 'phone' is required (contact #{index})")
        fields = {k: item[k] for k in IDENTIFIER_FIELDS if item.get(k) is not None}
        fields["phone"] = normalize_phone(item["phone"])
        prepared.append((fields, check_variables(state, item.get("variables", []))))
    created: list[Contact] = []
    answered: list[Contact] = []
    for fields, values in prepared:
        person = find_existing(state, fields)
        if person is None:
            person = new_contact(state, fields)
            created.append(person)
            apply_variables(person, values)
        else:
            # The platform keeps one profile per phone: creating it again updates it.
            apply_variables(person, values)
            person.updated_at = now_iso()
            announce_updated(call.sb, state, person)
        answered.append(person)
    announce_created(call.sb, state, created)
    return {"data": [contact_view(state, person) for person in answered]}


# Only these channel identifiers may be changed through the API (the reference's list).
UPDATABLE = ("phone", "vkId", "viberId", "fbId", "telegramId", "instagramId")


def contacts_update(call: Call) -> dict[str, Any]:
    args = call.args
    person = found(call.state.contacts, args["contactId"], "Contact")
    changes = {name: value for name, value in args.items() if name != "contactId"}
    for name in changes:
        if name not in UPDATABLE:
            raise ApiError(f"Field '{name}' cannot be updated (only {', '.join(UPDATABLE)})")
    if not changes:
        raise ApiError(f"One of the fields {', '.join(UPDATABLE)} is required")
    if call.sb.variants.strict_contact_writes:
        # The reference's one `field_to_update`, with a value.
        if len(changes) > 1:
            raise ApiError("Only one field can be updated at a time")
        if None in changes.values():
            raise ApiError(f"Field '{next(iter(changes))}' must have a value")
    update_contact(call.sb, call.state, person, changes)
    return {}


def contacts_set_variables(call: Call) -> dict[str, Any]:
    args = call.args
    person = found(call.state.contacts, args["contactId"], "Contact")
    values = check_variables(call.state, args["variables"])
    if call.sb.variants.strict_contact_writes:
        cleared = [call.state.variables[var_id].name for var_id, v in values.items() if v is None]
        if cleared:
            raise ApiError(f"Value of variable '{cleared[0]}' is required")
    apply_variables(person, values)
    person.updated_at = now_iso()
    announce_updated(call.sb, call.state, person)
    return {}


def variables_list(call: Call) -> dict[str, Any]:
    return {"data": [variable(var) for var in call.state.variables.values()]}


def variables_create(call: Call) -> dict[str, Any]:
    args = call.args
    name, validate_as = args["name"], args.get("validateAs") or "STRING"
    if not isinstance(name, str) or not name.strip():
        raise ApiError("Field 'name' must be a non-empty string")
    if validate_as not in VARIABLE_TYPES:
        raise ApiError(f"Field 'validateAs' must be one of {', '.join(VARIABLE_TYPES)}")
    if any(var.name == name for var in call.state.variables.values()):
        raise ApiError(f"Variable '{name}' already exists")
    var = Variable(object_id(), name, validate_as)
    call.state.variables[var.id] = var
    return {"id": var.id}


def variables_delete(call: Call) -> dict[str, Any]:
    var = found(call.state.variables, call.args["id"], "Variable")
    if var.is_default:
        raise ApiError(f"Default variable '{var.name}' cannot be deleted")
    del call.state.variables[var.id]
    for person in call.state.contacts.values():
        person.variables.pop(var.id, None)
    return {}


HANDLERS: dict[str, Handler] = {
    "contacts_list": contacts_list,
    "contacts_get": contacts_get,
    "contacts_create": contacts_create,
    "contacts_update": contacts_update,
    "contacts_set_variables": contacts_set_variables,
    "variables_list": variables_list,
    "variables_create": variables_create,
    "variables_delete": variables_delete,
}
