"""Bulk actions of supervisors and admins on the lists: the same service for each conversation
as the single action, each in its own transaction (so one audit entry and one event per
conversation), and an answer per conversation: a conversation closed meanwhile, or an operator
kept out of its connection, fails alone while the others go through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from conversations.actions import conversation_assign, conversation_close
from conversations.labels import conversation_label_add, conversation_label_remove
from conversations.models import PRIORITY_BY_NAME, Conversation, Label
from conversations.priority import conversation_priority_set
from conversations.serializers import conversation_data
from operator_desk.errors import DeskError, Forbidden, Invalid
from operators.access import supervises
from operators.roles import user_role

BULK_MAX = 200
BulkAction = Literal["assign", "label", "unlabel", "priority", "close"]


def _one_action(
    action: BulkAction,
    *,
    user: User,
    to_user_id: int | None,
    label_id: int | None,
    priority: str | None,
) -> Callable[[int], Conversation]:
    """The service each conversation goes through, its arguments checked once for all."""
    if action == "assign":
        target = User.objects.filter(pk=to_user_id or 0, is_active=True).first()
        if target is None or user_role(target) is None:
            raise Invalid(
                _("There is no active operator %(id)s.") % {"id": to_user_id}, field="toUserId"
            )
        return lambda pk: conversation_assign(conversation_id=pk, user=user, to_user_id=target.pk)
    if action in ("label", "unlabel"):
        if label_id is None or not Label.objects.filter(pk=label_id).exists():
            raise Invalid(_("There is no label %(id)s.") % {"id": label_id}, field="labelId")
        service = conversation_label_add if action == "label" else conversation_label_remove
        return lambda pk: service(conversation_id=pk, user=user, label_id=label_id)
    if action == "priority":
        if priority not in PRIORITY_BY_NAME:
            raise Invalid(
                _("%(field)s must be one of %(choices)s.")
                % {"field": "priority", "choices": ", ".join(PRIORITY_BY_NAME)},
                field="priority",
            )
        return lambda pk: conversation_priority_set(
            conversation_id=pk, user=user, priority=priority
        )
    if action == "close":
        return lambda pk: conversation_close(conversation_id=pk, user=user)
    raise Invalid(_("There is no bulk action %(action)s.") % {"action": action}, field="action")


def conversations_bulk(
    *,
    user: User,
    conversation_ids: Sequence[int],
    action: BulkAction,
    to_user_id: int | None = None,
    label_id: int | None = None,
    priority: str | None = None,
) -> dict[str, Any]:
    """{"results": [{"id", "ok", "conversation" | "error", "message"}...], "done", "failed"},
    one result per distinct id, in the order given."""
    if not supervises(user):
        raise Forbidden(_("Only supervisors and admins act on many conversations at once."))
    if len(conversation_ids) > BULK_MAX:
        raise Invalid(
            _("At most %(most)s conversations at once.") % {"most": BULK_MAX}, field="ids"
        )
    one = _one_action(
        action, user=user, to_user_id=to_user_id, label_id=label_id, priority=priority
    )
    results = []
    for pk in dict.fromkeys(conversation_ids):
        try:
            conversation = one(pk)
        except DeskError as error:
            results.append({"id": pk, "ok": False, **error.as_json()})
        else:
            results.append({"id": pk, "ok": True, "conversation": conversation_data(conversation)})
    done = sum(1 for result in results if result["ok"])
    return {"results": results, "done": done, "failed": len(results) - done}
