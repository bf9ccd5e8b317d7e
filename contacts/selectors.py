"""Reading the contact mirror: the filtered list (keyset pages, quick search, CSV export), one
contact, the variables. The profile, with the contact's conversations, is contacts/profiles.py."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from contacts.filters import Catalog, filter_q
from contacts.models import IDENTIFIER_FIELDS, Contact, Variable
from contacts.serializers import contact_row
from contacts.services import contact_resolve
from contacts.values import shown_value
from operator_desk.errors import Invalid, NotFound

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Ordering:
    field: str  # model field
    descending: bool
    label: str


# The orders the list offers; each has a keyset index (contacts/models.py).
ORDERINGS = {
    o.label: o
    for o in (
        Ordering("platform_created_at", True, "-createdAt"),
        Ordering("platform_created_at", False, "createdAt"),
        Ordering("platform_updated_at", True, "-updatedAt"),
        Ordering("platform_updated_at", False, "updatedAt"),
        Ordering("name", False, "name"),
        Ordering("name", True, "-name"),
    )
}
DEFAULT_ORDER = "-createdAt"
PHONE_CHARACTERS = set("+0123456789 ()-")


def ordering(label: str | None) -> Ordering:
    found = ORDERINGS.get(label or DEFAULT_ORDER)
    if found is None:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "order", "choices": ", ".join(ORDERINGS)}
        )
    return found


def search_q(text: str | None) -> Q:
    """The quick search: a phone (any spelling, matched by its digits) or part of a name or an
    identifier, case-insensitively."""
    text = (text or "").strip().lower()
    if not text:
        return Q()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3 and set(text) <= PHONE_CHARACTERS:
        text = digits
    return Q(search__contains=text)


def contacts_matching(
    *, spec: Any = None, q: str | None = None, catalog: Catalog | None = None
) -> QuerySet[Contact]:
    """The live (not merged away) contacts a filter object and a quick search select."""
    return Contact.objects.filter(merged_into__isnull=True).filter(
        filter_q(spec, catalog), search_q(q)
    )


def _token(value: Any, pk: int) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([shown, pk]).encode()).decode().rstrip("=")


def _parse_token(token: str, order: Ordering) -> tuple[Any, int]:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if value is not None and order.field != "name":
            value = datetime.fromisoformat(value)
        return value, int(pk)
    except (ValueError, TypeError, binascii.Error):
        raise Invalid(_("after is not a token this list gave out.")) from None


def _after(order: Ordering, value: Any, pk: int) -> Q:
    """The rows after (value, pk) in the order, with NULLs first when descending and last when
    ascending (PostgreSQL's defaults, so its indexes serve both directions)."""
    f = order.field
    if order.descending:
        if value is None:
            return Q(**{f"{f}__isnull": True, "pk__lt": pk}) | Q(**{f"{f}__isnull": False})
        return Q(**{f"{f}__lt": value}) | Q(**{f: value, "pk__lt": pk})
    if value is None:
        return Q(**{f"{f}__isnull": True, "pk__gt": pk})
    return Q(**{f"{f}__gt": value}) | Q(**{f: value, "pk__gt": pk}) | Q(**{f"{f}__isnull": True})


def _ordered(rows: QuerySet[Contact], order: Ordering) -> QuerySet[Contact]:
    if order.descending:
        return rows.order_by(F(order.field).desc(nulls_first=True), "-pk")
    return rows.order_by(F(order.field).asc(nulls_last=True), "pk")


# PostgreSQL's default work_mem is too small for the bitmaps the planner ANDs when a filter
# has several broad conditions on a large mirror: they go lossy, and every row of their pages
# is tested again (bench/contacts; the figures are in docs/benchmarks.md).
LIST_WORK_MEM = "32MB"


@contextmanager
def _roomy_bitmaps() -> Iterator[None]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{LIST_WORK_MEM}'")
        yield


def contact_list(
    *,
    spec: Any = None,
    q: str | None = None,
    order: str | None = None,
    after: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """One page of the filtered list and the token of the next (None on the last page)."""
    how = ordering(order)
    rows = contacts_matching(spec=spec, q=q).defer("raw", "search", "variable_values")
    if after:
        rows = rows.filter(_after(how, *_parse_token(after, how)))
    with _roomy_bitmaps():
        page = list(_ordered(rows, how)[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    last = page[-1] if page else None
    token = _token(getattr(last, how.field), last.pk) if more and last else None
    return {"data": [contact_row(c) for c in page], "next": token}


# The CSV's columns: the API's field names, as a spreadsheet made in English shows them (and a
# script reads them); a Russian one reads words (locale/ru).
EXPORT_COLUMNS = {
    "id": pgettext_lazy("contacts CSV column", "id"),
    "name": pgettext_lazy("contacts CSV column", "name"),
    "phone": pgettext_lazy("contacts CSV column", "phone"),
    "vkId": pgettext_lazy("contacts CSV column", "vkId"),
    "telegramId": pgettext_lazy("contacts CSV column", "telegramId"),
    "viberId": pgettext_lazy("contacts CSV column", "viberId"),
    "fbId": pgettext_lazy("contacts CSV column", "fbId"),
    "instagramId": pgettext_lazy("contacts CSV column", "instagramId"),
    "createdAt": pgettext_lazy("contacts CSV column", "createdAt"),
    "updatedAt": pgettext_lazy("contacts CSV column", "updatedAt"),
}


def export_header(variables: list[Variable]) -> list[str]:
    codes = ["id", "name", *IDENTIFIER_FIELDS, "createdAt", "updatedAt"]
    return [*(str(EXPORT_COLUMNS.get(code, code)) for code in codes), *(v.name for v in variables)]


def contact_export(
    *, spec: Any = None, q: str | None = None, order: str | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The CSV header and rows of the whole filtered set (read from the database in chunks).
    A bad filter raises here, before any row is produced."""
    variables = list(Variable.objects.order_by("pk"))
    how = ordering(order)
    rows = contacts_matching(spec=spec, q=q).defer("raw", "search", "source_profiles")

    def lines() -> Iterator[list[Any]]:
        for contact in _ordered(rows, how).iterator(chunk_size=2000):
            values = contact.variable_values
            yield [
                contact.platform_id,
                contact.name,
                *(getattr(contact, attr) for attr in IDENTIFIER_FIELDS.values()),
                contact.platform_created_at.isoformat() if contact.platform_created_at else "",
                contact.platform_updated_at.isoformat() if contact.platform_updated_at else "",
                *(_cell(v, values.get(v.key)) for v in variables),
            ]

    return export_header(variables), lines()


def _cell(variable: Variable, value: Any) -> Any:
    return "" if value is None else shown_value(variable.validate_as, value)


def contact_get(*, contact_id: int) -> Contact:
    """The contact, or the one it was merged into."""
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("There is no contact %(id)s.") % {"id": contact_id})
    return contact_resolve(contact)


def contact_by_platform_id(*, platform_id: str) -> Contact:
    contact = Contact.objects.filter(platform_id=platform_id).first()
    if contact is None:
        raise NotFound(_("There is no contact %(id)s.") % {"id": platform_id})
    return contact_resolve(contact)


def variable_list() -> list[dict[str, Any]]:
    return [
        {"id": v.pk, "platformId": v.platform_id, "name": v.name, "validateAs": v.validate_as}
        for v in Variable.objects.order_by("pk")
    ]
