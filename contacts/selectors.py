"""Reading the contact mirror: the filtered list (keyset pages, quick search, CSV export), a
profile with everything the desk knows about the contact, and the agents' contact panel."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet

from contacts.filters import Catalog, filter_q
from contacts.models import IDENTIFIER_FIELDS, Contact, Variable
from contacts.serializers import contact_data, contact_row, variables_data
from contacts.services import contact_resolve, platform_call
from contacts.values import shown_value
from conversations.models import Conversation, Message, MessageKind
from conversations.selectors import conversation_seen
from conversations.serializers import conversation_data
from operator_desk.errors import Invalid, NotFound
from operator_desk.platform import platform_client
from outreach.models import Notification

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
        raise Invalid(f"order must be one of {', '.join(ORDERINGS)}.")
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
        raise Invalid("after is not a token this list gave out.") from None


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


# PostgreSQL's default work_mem (4 MB) is too small for the bitmaps the planner ANDs when a
# filter has several conditions of ~100k rows each at a million contacts: they go lossy, and
# every row of their pages is tested again (about 2.5x slower in bench/contacts).
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


def export_header(variables: list[Variable]) -> list[str]:
    return [
        "id",
        "name",
        *IDENTIFIER_FIELDS,
        "createdAt",
        "updatedAt",
        *(v.name for v in variables),
    ]


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
        raise NotFound(f"There is no contact {contact_id}.")
    return contact_resolve(contact)


def contact_by_platform_id(*, platform_id: str) -> Contact:
    contact = Contact.objects.filter(platform_id=platform_id).first()
    if contact is None:
        raise NotFound(f"There is no contact {platform_id}.")
    return contact_resolve(contact)


TRANSCRIPT_FIELDS = (
    "id",
    "conversation_id",
    "kind",
    "text",
    "attachments",
    "created_at",
    "delivery",
    "delivery_detail",
    "author__first_name",
    "author__last_name",
    "author__username",
)


def _speaker(row: dict[str, Any]) -> str:
    """Who wrote a line of a transcript, as the profile shows it."""
    author = " ".join(filter(None, (row["author__first_name"], row["author__last_name"])))
    author = author or row["author__username"] or ""
    kind = row["kind"]
    if kind == MessageKind.NOTE:
        return f"Note · {author}" if author else "Note"
    if kind == MessageKind.OUTGOING:
        return author or "Operator"
    if kind == MessageKind.HISTORY and row["delivery_detail"] == "out":
        return "Bot"
    return "User"


def _transcripts(conversation_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every message of these conversations, in one query of plain rows (a profile may hold
    thousands: model instances would cost more than the query)."""
    found: dict[int, list[dict[str, Any]]] = {pk: [] for pk in conversation_ids}
    rows = (
        Message.objects.filter(conversation_id__in=conversation_ids)
        .order_by("conversation_id", "created_at", "id")
        .values(*TRANSCRIPT_FIELDS)
    )
    for row in rows:
        found[row["conversation_id"]].append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "who": _speaker(row),
                "text": row["text"],
                "attachments": row["attachments"],
                "createdAt": row["created_at"].isoformat(),
                "delivery": row["delivery"] or None,
            }
        )
    return found


# Transcripts shown inline on a profile: the most recent conversations'. Older ones are listed
# with their message counts and shown on asking (`?conversations=all`): a contact of years may
# have thousands of messages, which no one reads at once.
RECENT_TRANSCRIPTS = 10


def contact_profile(
    *,
    contact: Contact,
    transcripts: int | None = RECENT_TRANSCRIPTS,
    conversations: QuerySet[Conversation] | None = None,
) -> dict[str, Any]:
    """Everything the desk has about a contact, in a fixed number of queries whatever the
    number of conversations, messages or variables: the variable definitions, the contact's
    conversations (with connection, operator and message count; only those of `conversations`
    when given, e.g. the ones an agent may see), the messages of the most recent `transcripts`
    of them (None: of all), their notifications."""
    definitions = list(Variable.objects.order_by("pk"))
    shown_set = Conversation.objects.all() if conversations is None else conversations
    conversations = list(
        shown_set.filter(contact=contact)
        .select_related("contact", "connection", "assignee")
        .annotate(message_count=Count("messages"))
        .order_by("-queued_at", "-id")
    )
    shown = conversations if transcripts is None else conversations[:transcripts]
    messages = _transcripts([c.pk for c in shown])
    notifications = Notification.objects.filter(
        conversation__contact=contact, conversation__in=[c.pk for c in conversations]
    ).order_by("-created_at", "-id")
    return {
        "contact": contact_data(contact, definitions),
        "definitions": [
            {"id": v.pk, "platformId": v.platform_id, "name": v.name, "validateAs": v.validate_as}
            for v in definitions
        ],
        "values": {item["name"]: item["value"] for item in variables_data(contact, definitions)},
        "conversations": [
            {
                **conversation_data(c),
                "messageCount": c.message_count,
                "messages": messages.get(c.pk),  # None: not shown here (ask for all)
            }
            for c in conversations
        ],
        "shownTranscripts": len(shown),
        "hiddenTranscripts": len(conversations) - len(shown),
        "notifications": [notification_data(n) for n in notifications],
    }


def notification_data(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "platformId": notification.platform_id,
        "status": notification.status or "sent",
        "channel": notification.channel,
        "details": notification.status_details,
        "text": getattr(notification, "text", ""),
        "conversationId": getattr(notification, "conversation_id", None),
        "createdAt": notification.created_at.isoformat(),
        "statusUpdatedAt": notification.status_updated_at.isoformat()
        if notification.status_updated_at
        else None,
    }


# Deals read for one profile at the most when the platform does not filter them by contact
# (deals/list documents only `filter: {}`): each row's contactId is checked here.
DEALS_SCAN_MAX = 2000


def contact_deals(*, contact: Contact) -> dict[str, Any]:
    """The contact's deals with their attributes, read from the platform (deals/list).

    Asked for by contactId, paged explicitly; a row for another contact (a platform that
    ignores the filter) is left out, and `complete` says whether every deal was looked at."""
    by_contact = {
        "union": "and",
        "conditions": [{"field": "contactId", "op": "eq", "value": contact.platform_id}],
    }

    def read() -> tuple[list[Any], bool]:
        mine = []
        rows = platform_client().iter_deals(filter=by_contact, order=[["createdAt", "DESC"]])
        for scanned, deal in enumerate(rows, start=1):
            if deal.contact_id == contact.platform_id:
                mine.append(deal)
            if scanned >= DEALS_SCAN_MAX:
                return mine, False
        return mine, True

    deals, complete = platform_call("list the contact's deals", read)
    return {
        "data": [
            {
                "id": deal.id,
                "name": deal.name,
                "createdAt": deal.created_at.isoformat() if deal.created_at else None,
                "attributes": [_attribute(a) for a in deal.attributes],
                "products": [[_attribute(a) for a in p.attributes] for p in deal.products],
            }
            for deal in deals
        ],
        "complete": complete,
    }


def _attribute(attribute: Any) -> dict[str, Any]:
    return {
        "name": attribute.name or attribute.id,
        "type": attribute.type,
        "value": attribute.value,
    }


def contact_panel(*, user: User, conversation_id: int) -> dict[str, Any]:
    """The contact beside a conversation, for whoever may see that conversation."""
    conversation = conversation_seen(user=user, conversation_id=conversation_id)
    return {"contact": contact_data(contact_resolve(conversation.contact))}


def variable_list() -> list[dict[str, Any]]:
    return [
        {"id": v.pk, "platformId": v.platform_id, "name": v.name, "validateAs": v.validate_as}
        for v in Variable.objects.order_by("pk")
    ]
