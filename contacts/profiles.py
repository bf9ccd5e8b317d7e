"""A contact as the desk's pages show them: the supervisors' profile (conversations with their
transcripts, notifications, deals) and the agents' contact panel beside a conversation.

Pages, above the domain: they put the contact together with conversations and outreach, which
themselves build on the contact records (contacts/models.py, services.py, selectors.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from contacts.models import Contact, Variable
from contacts.serializers import contact_data, variables_data
from contacts.services import contact_resolve, platform_call
from conversations.models import Conversation, Message, MessageKind
from conversations.selectors import conversation_seen
from conversations.serializers import conversation_data, label_data
from operator_desk.platform import platform_client
from outreach.models import Notification

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
        return _("Note · %(author)s") % {"author": author} if author else _("Note")
    if kind == MessageKind.OUTGOING:
        return author or _("Operator")
    if kind == MessageKind.HISTORY and row["delivery_detail"] == "out":
        return _("Bot")
    return _("User")


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
        .prefetch_related("labels")
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
        "labels": _labels_used(conversations),
        "notifications": [notification_data(n) for n in notifications],
    }


def _labels_used(conversations: list[Conversation]) -> list[dict[str, Any]]:
    """The labels of the contact's conversations, each with how many carry it, most used
    first (from the prefetched labels: no query)."""
    used: dict[int, dict[str, Any]] = {}
    for conversation in conversations:
        for label in conversation.labels.all():
            entry = used.setdefault(label.pk, {**label_data(label), "conversations": 0})
            entry["conversations"] += 1
    return sorted(used.values(), key=lambda entry: (-entry["conversations"], entry["name"]))


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
