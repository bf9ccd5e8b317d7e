"""Finding conversations: by who the contact is (name, phone, any identifier) and by what was
written in them (incoming messages, replies, the bot's history, notes), open or ended, among
the conversations the caller may see (conversations.selectors.conversations_visible: the same
rule as the lists and every route that addresses a conversation)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from contacts.models import Contact
from contacts.selectors import PHONE_CHARACTERS, search_q
from conversations.models import Conversation, Message
from conversations.selectors import conversations_visible
from conversations.serializers import conversation_data
from search.backends import Scope, message_text_hits
from search.snippets import mark_span, snippet_html, snippet_parts, unmarked

MIN_LENGTH, MAX_LENGTH = 2, 200
CONTACT_HITS = 10
CONTACTS_READ = 200
# Which fields of a contact a contact hit shows, in the order they are tried for the mark.
CONTACT_FIELDS = ("name", "phone", "telegram_id", "vk_id", "viber_id", "fb_id", "instagram_id")


def conversation_search(
    *, user: User, q: str, before: int | None = None, limit: int = 20
) -> dict[str, Any]:
    """One page of hits: conversations whose contact matches (first page only) and messages
    that match, newest first, with `next` (the cursor of the following page of messages). A
    fixed number of queries, whatever the number of hits."""
    q = q.strip()
    visible = conversations_visible(user)
    contacts = _contact_hits(visible, q) if before is None else []
    scope = _scope(visible)
    hits = message_text_hits(q=q, scope=scope, before=before, limit=limit + 1)
    more = len(hits) > limit
    hits = hits[:limit]
    messages = (
        Message.objects.select_related(
            "author", "conversation__contact", "conversation__connection", "conversation__assignee"
        )
        .prefetch_related("conversation__labels")
        .in_bulk([hit.message_id for hit in hits])
    )
    return {
        "query": q,
        "conversations": contacts,
        "messages": [
            _message_hit(messages[hit.message_id], hit.marked)
            for hit in hits
            if hit.message_id in messages
        ],
        "next": str(hits[-1].message_id) if more else None,
    }


def _scope(visible: QuerySet[Conversation]) -> Scope:
    """The visible conversations' ids as a subquery for the text search, or None when the
    caller sees them all (supervisors, admins): no condition is cheaper than one on every id."""
    if not visible.query.where:
        return None
    sql, params = visible.values("pk").query.sql_with_params()
    return sql, tuple(params)


def _contact_hits(visible: QuerySet[Conversation], q: str) -> list[dict[str, Any]]:
    # A fragment like "петро" is in thousands of names: the newest contacts that have it,
    # then their conversations, rather than every conversation joined to thousands of contacts.
    matching = Contact.objects.filter(search_q(q)).order_by("-pk").values("pk")[:CONTACTS_READ]
    rows = (
        visible.filter(contact__in=matching)
        .prefetch_related("labels")
        .order_by("-queued_at", "-pk")[:CONTACT_HITS]
    )
    return [_hit(c, None, _contact_marked(c.contact, q), "contact") for c in rows]


def _message_hit(message: Message, marked: str) -> dict[str, Any]:
    return _hit(
        message.conversation,
        {
            "id": message.pk,
            "kind": message.kind,
            "createdAt": message.created_at.isoformat(),
            "author": (message.author.get_full_name() or message.author.username)
            if message.author
            else None,
        },
        marked,
        "message",
    )


def _hit(
    conversation: Conversation, message: dict[str, Any] | None, marked: str, matched: str
) -> dict[str, Any]:
    parts = snippet_parts(marked)
    return {
        "matched": matched,
        "conversation": conversation_data(conversation),
        "message": message,
        "snippet": parts,
        "snippetHtml": snippet_html(parts),
    }


def _contact_marked(contact: Contact, q: str) -> str:
    """The contact's name (or the field that matched, after it) with the match marked."""
    needle = q.lower()
    digits = "".join(ch for ch in q if ch.isdigit())
    phone_like = len(digits) >= 3 and set(q) <= PHONE_CHARACTERS
    name = unmarked(contact.display_name)
    for field in CONTACT_FIELDS:
        value = unmarked(getattr(contact, field) or "")
        if not value:
            continue
        span = _digits_span(value, digits) if phone_like else None
        if span is None:
            start = value.lower().find(needle)
            span = (start, start + len(needle)) if start >= 0 else None
        if span is None:
            continue
        shown = mark_span(value, *span)
        return shown if field == "name" or value == name else f"{name} · {shown}"
    return name


def _digits_span(value: str, digits: str) -> tuple[int, int] | None:
    """Where `digits` are in `value`, read as its digits only ("+7 999 12" holds "79991")."""
    positions = [i for i, ch in enumerate(value) if ch.isdigit()]
    found = "".join(value[i] for i in positions).find(digits)
    if found < 0:
        return None
    return positions[found], positions[found + len(digits) - 1] + 1
