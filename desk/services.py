"""Writes the desk keeps for itself: quick replies."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from audit.services import audit_record
from desk.models import QuickReply
from operator_desk.db import locked
from operator_desk.errors import Invalid, NotFound

TITLE_MAX, TEXT_MAX = 100, 4096


def _clean(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text:
        raise Invalid("A quick reply needs a title and a text.")
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        raise Invalid(f"A title is at most {TITLE_MAX} characters, a text {TEXT_MAX}.")
    return title, text


@transaction.atomic
def quick_reply_create(*, user: User, title: str, text: str) -> QuickReply:
    title, text = _clean(title, text)
    reply = QuickReply.objects.create(title=title, text=text, created_by=user)
    audit_record(actor=user, action="quick_reply.create", target=f"quick_reply:{reply.pk}")
    return reply


@transaction.atomic
def quick_reply_update(*, user: User, reply_id: int, title: str, text: str) -> QuickReply:
    title, text = _clean(title, text)
    reply = locked(QuickReply.objects).filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(f"There is no quick reply {reply_id}.")
    reply.title, reply.text = title, text
    reply.save(update_fields=["title", "text", "updated_at"])
    audit_record(actor=user, action="quick_reply.update", target=f"quick_reply:{reply.pk}")
    return reply


@transaction.atomic
def quick_reply_delete(*, user: User, reply_id: int) -> None:
    deleted, _ = QuickReply.objects.filter(pk=reply_id).delete()
    if not deleted:
        raise NotFound(f"There is no quick reply {reply_id}.")
    audit_record(actor=user, action="quick_reply.delete", target=f"quick_reply:{reply_id}")
