"""Reading conversations the way operators see them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.connections import connection_ids_hidden_from
from conversations.list_filters import ORDERS, ListFilters, default_sort, filtered
from conversations.models import (
    OPEN_STATES,
    Conversation,
    ConversationState,
    Mention,
    Message,
    MessageKind,
    ReadMark,
)
from conversations.serializers import conversation_data, mention_data
from operator_desk.errors import Invalid, NotFound
from operators.access import supervises

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LIST_STATES = ("queued", "mine", "snoozed", "open", "closed", "expired", "ended")
PREVIEW_LENGTH = 140


def _sees_everything(user: User) -> bool:
    return supervises(user)


def conversations_visible(user: User) -> QuerySet[Conversation]:
    """Agents see the queue and their own conversations; supervisors and admins see all.
    A connection with access rules (administration) shows its queue only to those it names."""
    base = Conversation.objects.select_related("contact", "connection", "assignee")
    if _sees_everything(user):
        return base
    queue = Q(state=ConversationState.QUEUED)
    hidden = connection_ids_hidden_from(user_id=user.pk)
    if hidden:
        queue &= ~Q(connection_id__in=hidden)
    return base.filter(queue | Q(assignee=user))


def conversation_not_found(conversation_id: int) -> NotFound:
    """The one answer about a conversation the caller may not see, whether it exists or not."""
    return NotFound(
        _("There is no conversation %(id)s you can see; a colleague may have taken it.")
        % {"id": conversation_id}
    )


def conversation_seen(*, user: User, conversation_id: int) -> Conversation:
    """The conversation, if the caller may see it (conversations_visible)."""
    conversation = conversations_visible(user).filter(pk=conversation_id).first()
    if conversation is None:
        raise conversation_not_found(conversation_id)
    return conversation


def message_seen(*, user: User, message_id: int) -> Message:
    """A message of a conversation the caller may see; the same answer as for no message."""
    visible = conversations_visible(user).values("pk")
    message = Message.objects.filter(pk=message_id, conversation_id__in=visible).first()
    if message is None:
        raise NotFound(_("There is no message %(id)s you can see.") % {"id": message_id})
    return message


def conversation_list(
    *,
    user: User,
    state: str,
    limit: int = 50,
    after: str | None = None,
    filters: ListFilters | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    """One page of a list, with the token of the next, filtered and ordered as asked
    (conversations.list_filters). By default the queue is oldest first (who has waited
    longest); the other lists are most recently active first."""
    if state not in LIST_STATES:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "state", "choices": ", ".join(LIST_STATES)},
            field="state",
        )
    sort = sort or default_sort(state)
    if sort not in ORDERS:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "sort", "choices": ", ".join(ORDERS)},
            field="sort",
        )
    visible = conversations_visible(user)
    rows = visible
    if state == "queued":
        rows = rows.filter(state=ConversationState.QUEUED)
    elif state == "mine":  # the active ones: a snoozed conversation waits in "snoozed"
        rows = rows.filter(state=ConversationState.ASSIGNED, assignee=user, snoozed_at__isnull=True)
    elif state == "snoozed":
        rows = rows.filter(
            state=ConversationState.ASSIGNED, assignee=user, snoozed_at__isnull=False
        )
    elif state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif state == "ended":  # closed by an operator or expired: the page's "Closed" list
        rows = rows.filter(state__in=(ConversationState.CLOSED, ConversationState.EXPIRED))
    else:
        rows = rows.filter(state=state)
    if filters:
        rows = filtered(rows, user=user, filters=filters, now=timezone.now())
    order = ORDERS[sort]
    if after:
        lead, moment, pk = _parse_token(after, leading=bool(order.lead))
        rows = rows.filter(order.after(moment, pk, lead))
    # The preview is what the people said: not notes, not the bot's side of the history.
    last = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(kind=MessageKind.NOTE)
        .exclude(kind=MessageKind.HISTORY, delivery_detail="out")
    )
    last = last.order_by("-created_at", "-id")
    # The page's ids first, then its rows with their previews: PostgreSQL computes a select
    # list's subqueries before it sorts, so a sort no index gives (window closing first across
    # the queue, newest of the closed) would compute a preview for every row of the list.
    keys = list(rows.order_by(*order.order_by()).values_list("pk", flat=True)[: limit + 1])
    more = len(keys) > limit
    keys = keys[:limit]
    # Those rows as the caller may see them, not through the filters again (a label's
    # conversations, the unread test): the ids passed them already.
    found = (
        visible.filter(pk__in=keys)
        .prefetch_related("labels")
        .annotate(
            preview_id=Subquery(last.values("id")[:1]),
            preview=Subquery(last.values("text")[:1]),
            preview_kind=Subquery(last.values("kind")[:1]),
        )
    )
    by_pk = {c.pk: c for c in found}
    page = [by_pk[pk] for pk in keys if pk in by_pk]
    token = None
    if more:
        last_row = page[-1]
        lead = getattr(last_row, order.lead) if order.lead else None
        token = _token(getattr(last_row, order.field), last_row.pk, lead=lead)
    ids = [c.pk for c in page]
    unread = unread_counts(user=user, conversation_ids=ids)
    mentioned = unread_mention_counts(user=user, conversation_ids=ids)
    return {
        "data": [_row(c, unread.get(c.pk, 0), mentioned.get(c.pk, 0)) for c in page],
        "next": token,
    }


def _row(conversation: Conversation, unread: int, unread_mentions: int) -> dict[str, Any]:
    """A list row: the conversation, its last message (not notes), the caller's unread
    messages and the unread mentions of the caller in its notes."""
    preview = (conversation.preview or "")[:PREVIEW_LENGTH]
    return {
        **conversation_data(conversation),
        "preview": {
            "id": conversation.preview_id,
            "text": preview,
            "kind": conversation.preview_kind,
        }
        if conversation.preview_id
        else None,
        "unread": unread,
        "unreadMentions": unread_mentions,
    }


def _token(moment: datetime | None, pk: int, *, lead: int | None = None) -> str:
    """A URL-safe keyset position: the lead value and a dot if the order has one (the
    priority), microseconds since the epoch ("n" for none), and the id."""
    prefix = "" if lead is None else f"{lead}."
    if moment is None:
        return f"{prefix}n_{pk}"
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    return f"{prefix}{micros}_{pk}"


def _parse_token(token: str, *, leading: bool) -> tuple[int | None, datetime | None, int]:
    try:
        lead = None
        if leading:
            lead_text, token = token.split(".", 1)
            lead = int(lead_text)
        micros, pk = token.split("_", 1)
        if micros == "n":
            return lead, None, int(pk)
        return lead, EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        raise Invalid(_("after is not a token this list gave out."), field="after") from None


def mention_list(
    *, user: User, limit: int = 50, after: str | None = None, unread: bool = False
) -> dict[str, Any]:
    """The operator's mentions, newest first, keyset-paged, in conversations they may still
    see; with how many of those are unread."""
    visible = Q(conversation__in=conversations_visible(user).values("pk"))
    rows = Mention.objects.filter(visible, user=user)
    unread_count = rows.filter(read_at__isnull=True).count()
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if after:
        moment, pk = _parse_token(after, leading=False)[1:]
        if moment is None:  # mentions always have a moment: not a token of this list
            raise Invalid(_("after is not a token this list gave out."), field="after")
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    page = list(
        rows.select_related("message", "author", "conversation__contact").order_by(
            "-created_at", "-id"
        )[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    return {
        "data": [mention_data(m) for m in page],
        "unread": unread_count,
        "next": _token(page[-1].created_at, page[-1].pk) if more else None,
    }


def unread_counts(*, user: User, conversation_ids: Iterable[int]) -> dict[int, int]:
    """{conversation id: the user's messages after the operator's read mark}, in one query."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    mark = ReadMark.objects.filter(user=user, conversation=OuterRef("pk")).values(
        "last_read_message_id"
    )[:1]
    rows = (
        Conversation.objects.filter(pk__in=ids)
        .annotate(read_upto=Coalesce(Subquery(mark), Value(0), output_field=IntegerField()))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__kind=MessageKind.INCOMING, messages__id__gt=F("read_upto")),
            )
        )
        .values_list("pk", "unread")
    )
    return dict(rows)


def unread_mention_counts(*, user: User, conversation_ids: Iterable[int]) -> dict[int, int]:
    """{conversation id: the user's unread mentions in it}, in one query (the caller has
    checked that the user may see these conversations)."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    rows = (
        Mention.objects.filter(user=user, read_at__isnull=True, conversation_id__in=ids)
        .values("conversation_id")
        .annotate(count=Count("pk"))
        .values_list("conversation_id", "count")
    )
    return dict(rows)


def last_read(*, user: User, conversation_id: int) -> int:
    value = (
        ReadMark.objects.filter(user=user, conversation_id=conversation_id)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return value or 0
