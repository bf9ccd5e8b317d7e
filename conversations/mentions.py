"""Mentions in internal notes: `<@42>` names operator 42 (a stable token; the page shows it as
@Name). The note's service records who was told (a Mention row, and `desk.mention_created`
for them alone) and who was not: a mention never opens a conversation to someone who may not
see it (conversations.selectors.conversations_visible), so they are left out, and the author
is told why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from conversations.models import Mention, Message
from conversations.selectors import conversations_visible
from conversations.serializers import mention_data, person_data
from operator_desk.db import locked
from operators.roles import user_role
from realtime.services import event_emit

MENTION_TOKEN = re.compile(r"<@(\d{1,18})>")


def mention_ids(text: str) -> list[int]:
    """The operators a text names, once each, in order."""
    return list(dict.fromkeys(int(found) for found in MENTION_TOKEN.findall(text)))


@dataclass(frozen=True)
class MentionOutcome:
    """Who a note told (`notified`) and who it did not, with why (`cannot_see`: the
    conversation is out of their sight; `no_operator`: no such active operator)."""

    notified: list[dict[str, Any]] = field(default_factory=list)
    not_notified: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"notified": self.notified, "notNotified": self.not_notified}


def unread_mention_count(user: User) -> int:
    """Unread mentions in conversations the operator may still see."""
    return Mention.objects.filter(
        user=user,
        read_at__isnull=True,
        conversation__in=conversations_visible(user).values("pk"),
    ).count()


def mentions_record(*, note: Message, author: User) -> MentionOutcome:
    """Inside the note's transaction: tell each operator the note names who may see its
    conversation."""
    outcome = MentionOutcome()
    wanted = [pk for pk in mention_ids(note.text) if pk != author.pk]
    if not wanted:
        return outcome
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True)}
    for pk in wanted:
        user = users.get(pk)
        if user is None or user_role(user) is None:
            outcome.not_notified.append({"id": pk, "name": None, "reason": "no_operator"})
            continue
        if not conversations_visible(user).filter(pk=note.conversation_id).exists():
            outcome.not_notified.append({**person_data(user), "reason": "cannot_see"})
            continue
        mention = Mention.objects.create(
            message=note, conversation_id=note.conversation_id, user=user, author=author
        )
        outcome.notified.append(person_data(user))
        audit_record(
            actor=author,
            action="conversation.mention",
            target=f"conversation:{note.conversation_id}",
            messageId=note.pk,
            userId=user.pk,
        )
        mention.message, mention.conversation = note, note.conversation
        event_emit(
            type="desk.mention_created",
            payload={"mention": mention_data(mention), "unread": unread_mention_count(user)},
            audience_user_id=user.pk,
        )
    return outcome


@transaction.atomic
def mentions_read(*, user: User, conversation_id: int) -> int:
    """The operator opened the conversation: its mentions of them are read. Their other tabs
    are told (`desk.mentions_read`). Returns how many were unread."""
    unread = list(
        locked(Mention.objects)
        .filter(user=user, conversation_id=conversation_id, read_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not unread:
        return 0
    Mention.objects.filter(pk__in=unread).update(read_at=timezone.now())
    event_emit(
        type="desk.mentions_read",
        payload={"conversationId": conversation_id, "unread": unread_mention_count(user)},
        audience_user_id=user.pk,
    )
    return len(unread)
