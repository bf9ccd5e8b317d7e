"""Writes to the contact mirror: what the platform reports (callbacks, backfill), and what
supervisors change (through the platform's API first, then the mirror)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Func, JSONField, Value
from django.utils.translation import gettext as _

from audit.services import audit_record
from contacts.indexes import variable_indexes_refresh
from contacts.models import IDENTIFIER_FIELDS, Contact, Variable, VariableType
from contacts.serializers import contact_data
from contacts.values import ValueMismatch, stored_value
from fromni import models as platform
from fromni.errors import FromniError, FromniTransportError
from operator_desk.columns import fitted
from operator_desk.db import locked
from operator_desk.errors import DeskError, Invalid, NotFound
from operator_desk.platform import platform_client
from realtime.services import event_emit

log = logging.getLogger(__name__)

R = TypeVar("R")

# Only these identifiers can be changed through the API (the reference's "Update contact").
UPDATABLE_IDENTIFIERS = ("phone", "vkId", "viberId", "fbId", "telegramId", "instagramId")
# The platform's default variables that make up a person's name.
NAME_VARIABLES = ("First Name", "Last Name")


class PlatformFailed(DeskError):
    """The platform refused a change or did not answer; the message says which and why."""

    status, code = 502, "platform_error"


def platform_call(what: str, call: Callable[[], R]) -> R:
    """Run one platform call; its failure becomes a PlatformFailed naming what was tried."""
    try:
        return call()
    except FromniTransportError as error:
        raise PlatformFailed(
            _(
                "Could not %(what)s: the platform did not answer (%(error)s). Nothing was "
                "changed here; try again."
            )
            % {"what": what, "error": error.message},
        ) from error
    except FromniError as error:
        raise PlatformFailed(
            _("The platform refused to %(what)s: %(error)s")
            % {"what": what, "error": error.message}
        ) from error


# --- from the platform's JSON to the mirror's fields ---------------------------------------------


def normalize_phone(value: Any) -> str:
    """`79990000000` -> `+79990000000`, the platform's stored form; other text as it is."""
    text = str(value).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if 5 <= len(digits) <= 15 and all(ch.isdigit() or ch in "+ ()-" for ch in text):
        return "+" + digits
    return text


def variables_by_platform_id(definitions: Iterable[platform.Variable]) -> dict[str, Variable]:
    """The local definitions of these variables, created or renamed as the platform says."""
    wanted = {str(d.id): d for d in definitions if d.id is not None}
    known = {v.platform_id: v for v in Variable.objects.filter(platform_id__in=wanted)}
    for platform_id, definition in wanted.items():
        # A type the desk does not know is read as text, as stored_value does.
        typed = definition.validate_as in VariableType.values
        validate_as = definition.validate_as if typed else VariableType.STRING
        name = fitted(Variable, "name", definition.name or platform_id)
        variable = known.get(platform_id)
        if variable is None:
            variable, created = Variable.objects.get_or_create(
                platform_id=platform_id, defaults={"name": name, "validate_as": validate_as}
            )
            known[platform_id] = variable
            if created:
                variable_indexes_refresh()
        elif (variable.name, variable.validate_as) != (name, validate_as):
            retyped = variable.validate_as != validate_as
            variable.name, variable.validate_as = name, validate_as
            variable.save(update_fields=["name", "validate_as", "updated_at"])
            if retyped:
                variable_indexes_refresh()
    return known


def _values_from_platform(data: platform.Contact) -> dict[str, Any]:
    definitions = variables_by_platform_id(data.variables)
    values: dict[str, Any] = {}
    for item in data.variables:
        variable = definitions.get(str(item.id))
        if variable is None:
            continue
        try:
            value = stored_value(variable.validate_as, item.value, variable.name)
        except ValueMismatch as error:  # the platform checks values; keep the rest of them
            log.warning("contact %s: %s", data.id, error)
            continue
        if value is not None:
            values[variable.key] = value
    return values


def _name(values: Mapping[str, Any], profiles: Mapping[str, Any]) -> str:
    """The contact's name: the First/Last Name variables, else a channel profile's name."""
    keys = [
        f"v{pk}"
        for pk in Variable.objects.filter(name__in=NAME_VARIABLES)
        .order_by("name")  # First Name, then Last Name
        .values_list("pk", flat=True)
    ]
    parts = [str(values[key]) for key in keys if key in values]
    if parts:
        return " ".join(parts)[:200]
    for profile in profiles.values():
        if not isinstance(profile, dict):
            continue
        name = " ".join(str(profile[k]) for k in ("first_name", "last_name") if profile.get(k))
        name = name or str(profile.get("name") or profile.get("username") or "")
        if name:
            return name[:200]
    return ""


def search_text(fields: Mapping[str, Any], platform_id: str) -> str:
    """What the quick search looks in: name, phone (also as bare digits), identifiers, id."""
    phone = fields.get("phone") or ""
    words = [fields.get("name") or "", phone, "".join(ch for ch in phone if ch.isdigit())]
    words += [fields.get(attr) or "" for attr in IDENTIFIER_FIELDS.values() if attr != "phone"]
    return " ".join(w for w in [*words, platform_id] if w).lower()


def _fields_from_platform(data: platform.Contact, current: Contact | None) -> dict[str, Any]:
    raw = data.model_dump(mode="json", exclude_none=True)
    fields: dict[str, Any] = {
        attr: "" if raw.get(field) is None else str(raw[field])
        for field, attr in IDENTIFIER_FIELDS.items()
    }
    if fields["phone"]:
        fields["phone"] = normalize_phone(fields["phone"])
    # A contact without a `variables` list (the one inside a hand-over) says nothing about
    # them: keep what is known. contact_updated carries the whole contact, list included.
    if "variables" in data.model_fields_set:
        values = _values_from_platform(data)
    else:
        values = current.variable_values if current is not None else {}
    fields.update(
        variable_values=values,
        source_profiles=data.source_profiles,
        raw=raw,
        platform_created_at=data.created_at,
        platform_updated_at=data.updated_at,
    )
    fields["name"] = _name(values, data.source_profiles)
    fields["search"] = search_text(fields, data.id)
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


# --- what the platform reports -----------------------------------------------------------------


@transaction.atomic
def contact_upsert(*, data: platform.Contact, emit: bool = True) -> Contact:
    """Create or refresh the mirror of a platform contact. Returns the surviving contact."""
    contact = locked(Contact.objects).filter(platform_id=data.id).first()
    if contact is None:
        fields = _fields_from_platform(data, None)
        try:
            with transaction.atomic():
                contact = Contact.objects.create(platform_id=data.id, **fields)
        except IntegrityError:  # created concurrently: update it instead
            contact = locked(Contact.objects).get(platform_id=data.id)
        else:
            if emit:
                event_emit(type="desk.contact_updated", payload=contact_data(contact))
            return contact
    if contact.merged_into_id is not None or _is_stale(contact, data):
        return contact_resolve(contact)
    fields = _fields_from_platform(data, contact)
    changed = [name for name, value in fields.items() if getattr(contact, name) != value]
    if changed:
        for name in changed:
            setattr(contact, name, fields[name])
        contact.save(update_fields=[*changed, "updated_at"])
        if emit:
            event_emit(type="desk.contact_updated", payload=contact_data(contact))
    return contact


def _absorb(survivor: Contact, gone: Contact) -> list[str]:
    """Copy what only the deleted contact had: variables (the survivor's value wins where both
    have one, as on the platform), identifiers and source profiles. Returns changed fields."""
    changed = []
    values = {**gone.variable_values, **survivor.variable_values}
    if values != survivor.variable_values:
        survivor.variable_values = values
        changed.append("variable_values")
    for attr in IDENTIFIER_FIELDS.values():
        if not getattr(survivor, attr) and getattr(gone, attr):
            setattr(survivor, attr, getattr(gone, attr))
            changed.append(attr)
    profiles = {**gone.source_profiles, **survivor.source_profiles}
    if profiles != survivor.source_profiles:
        survivor.source_profiles = profiles
        changed.append("source_profiles")
    if changed:
        survivor.name = _name(survivor.variable_values, survivor.source_profiles)
        survivor.search = search_text(
            {
                "name": survivor.name,
                **{a: getattr(survivor, a) for a in IDENTIFIER_FIELDS.values()},
            },
            survivor.platform_id,
        )
        changed += ["name", "search"]
    return changed


@transaction.atomic
def contact_merge(*, preserved: platform.Contact, deleted: platform.Contact) -> Contact:
    """The platform merged `deleted` into `preserved`: every conversation (with its messages,
    notes and notifications) and every variable of the deleted contact moves to the survivor,
    and the old id keeps resolving to it."""
    survivor = contact_upsert(data=preserved, emit=False)
    if deleted.id == preserved.id:
        event_emit(type="desk.contact_updated", payload=contact_data(survivor))
        return survivor
    gone = contact_upsert(data=deleted, emit=False)
    gone = locked(Contact.objects).get(pk=gone.pk)
    if gone.pk != survivor.pk and gone.merged_into_id != survivor.pk:
        survivor = locked(Contact.objects).get(pk=survivor.pk)
        moved = list(gone.conversations.values_list("platform_id", flat=True))
        gone.conversations.update(contact=survivor)
        # Contacts merged into the deleted one earlier now point at the survivor directly.
        Contact.objects.filter(merged_into=gone).update(merged_into=survivor)
        changed = _absorb(survivor, gone)
        if changed:
            survivor.save(update_fields=[*changed, "updated_at"])
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


class WithoutKey(Func):
    """The JSON object without one key (PostgreSQL `-`, SQLite json_remove)."""

    output_field = JSONField()

    def __init__(self, expression: Any, key: str) -> None:
        super().__init__(expression, Value(key))

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        sql, params = compiler.compile(self.get_source_expressions()[0])
        key = self.get_source_expressions()[1].value
        return f"json_remove({sql}, %s)", [*params, f'$."{key}"']


def _forget_values(variable: Variable) -> int:
    """Drop a deleted variable's values from every contact, in one statement."""
    key = variable.key
    return Contact.objects.filter(variable_values__has_key=key).update(
        variable_values=WithoutKey(F("variable_values"), key)
    )


@transaction.atomic
def variables_replace(*, definitions: list[platform.Variable]) -> dict[str, int]:
    """Make the local definitions exactly the platform's list (variables/list)."""
    before = set(Variable.objects.values_list("platform_id", flat=True))
    kept = variables_by_platform_id(definitions)
    deleted = 0
    for variable in Variable.objects.exclude(platform_id__in=kept):
        _forget_values(variable)
        variable.delete()
        deleted += 1
    return {"created": len(set(kept) - before), "deleted": deleted, "total": len(kept)}


# --- what supervisors change (the platform first, then the mirror) ------------------------------
# These do not hold a database transaction while the platform answers: the change is made on
# the platform, then the mirror is refreshed from the platform's own answer in a short one.


def _contact(contact_id: int) -> Contact:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("There is no contact %(id)s.") % {"id": contact_id})
    return contact_resolve(contact)


def contact_refresh(*, contact: Contact) -> Contact:
    """Read the contact back from the platform into the mirror."""
    fresh = platform_call(
        "read the contact", lambda: platform_client().contacts_get(contact.platform_id)
    )
    return contact_upsert(data=fresh)


def contact_identifiers_update(
    *, contact_id: int, changes: Mapping[str, Any], user: User
) -> Contact:
    """Change channel identifiers (contacts/update, one field per call as the API takes them;
    an empty value removes one). An identifier another contact has makes the platform merge
    that contact into this one, which its contact_merged callback then brings here."""
    contact = _contact(contact_id)
    unknown = [name for name in changes if name not in UPDATABLE_IDENTIFIERS]
    if unknown:
        raise Invalid(
            _("%(fields)s cannot be changed; only %(updatable)s.")
            % {"fields": ", ".join(unknown), "updatable": ", ".join(UPDATABLE_IDENTIFIERS)}
        )
    current = contact.identifiers()
    client = platform_client()
    done = {}
    for name, value in changes.items():
        value = None if value in (None, "") else str(value).strip()
        if (value or "") == current.get(name, ""):
            continue
        # None removes the identifier: the API takes null for it, as the sandbox does.
        body = {"contactId": contact.platform_id, name: value}
        platform_call(
            _("change %(name)s") % {"name": name},
            lambda body=body: client.call("contacts_update", body),
        )
        done[name] = value
    if not done:
        return contact
    audit_record(
        actor=user, action="contact.identifiers", target=f"contact:{contact.pk}", changes=done
    )
    return contact_refresh(contact=contact)


def _variable(ref: Any) -> Variable:
    variable = (
        Variable.objects.filter(platform_id=str(ref)).first()
        or Variable.objects.filter(name=str(ref)).first()
        or (Variable.objects.filter(pk=ref).first() if str(ref).isdigit() else None)
    )
    if variable is None:
        raise Invalid(_("There is no variable %(ref)r.") % {"ref": ref})
    return variable


def contact_variables_set(*, contact_id: int, values: Mapping[str, Any], user: User) -> Contact:
    """Set variable values (contacts/variables): each checked against its type here first, so
    a mistake is named before anything is sent; an empty value clears the variable."""
    contact = _contact(contact_id)
    errors: dict[str, str] = {}
    items = []
    for ref, value in values.items():
        variable = _variable(ref)
        try:
            stored = stored_value(variable.validate_as, value, variable.name)
        except ValueMismatch as error:
            errors[variable.name] = str(error)
            continue
        current = contact.variable_values.get(variable.key)
        if stored == current:
            continue
        sent = value.strip() if isinstance(value, str) else value
        items.append({"id": variable.platform_id, "value": None if stored is None else sent})
    if errors:
        raise Invalid(" ".join(errors.values()), errors=errors)
    if not items:
        return contact
    platform_call(
        _("set the variables"),
        lambda: platform_client().contacts_set_variables(contact.platform_id, items),
    )
    audit_record(
        actor=user, action="contact.variables", target=f"contact:{contact.pk}", values=items
    )
    return contact_refresh(contact=contact)


def variable_create(*, name: str, validate_as: str, user: User) -> Variable:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A variable needs a name."))
    if validate_as not in VariableType.values:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "validateAs", "choices": ", ".join(VariableType.values)}
        )
    if Variable.objects.filter(name=name).exists():
        raise Invalid(_("A variable named %(name)r already exists.") % {"name": name})
    platform_id = platform_call(
        _("create the variable %(name)r") % {"name": name},
        lambda: platform_client().variables_create(name, validate_as),
    )
    with transaction.atomic():
        variable, _created = Variable.objects.update_or_create(
            platform_id=platform_id, defaults={"name": name, "validate_as": validate_as}
        )
        audit_record(
            actor=user, action="variable.create", target=f"variable:{platform_id}", name=name
        )
        variable_indexes_refresh()
    return variable


def variable_delete(*, variable_id: int, user: User) -> None:
    """Delete a variable on the platform (which drops its values), then here."""
    variable = Variable.objects.filter(pk=variable_id).first()
    if variable is None:
        raise NotFound(_("There is no variable %(id)s.") % {"id": variable_id})
    platform_call(
        _("delete the variable %(name)r") % {"name": variable.name},
        lambda: platform_client().variables_delete(variable.platform_id),
    )
    with transaction.atomic():
        _forget_values(variable)
        audit_record(
            actor=user,
            action="variable.delete",
            target=f"variable:{variable.platform_id}",
            name=variable.name,
        )
        variable.delete()
        variable_indexes_refresh()
