"""Writes the desk keeps for itself: quick replies."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.services import audit_record
from desk.models import QuickReply
from operator_desk.db import locked
from operator_desk.errors import Forbidden, Invalid, NotFound
from operators.access import supervises

TITLE_MAX, TEXT_MAX = 100, 4096


def _clean(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title or not text:
        raise Invalid(_("A quick reply needs a title and a text."))
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        raise Invalid(
            _("A title is at most %(title)s characters, a text %(text)s.")
            % {"title": TITLE_MAX, "text": TEXT_MAX}
        )
    return title, text


def _keeps_the_teams(user: User) -> None:
    if not supervises(user):
        raise Forbidden(
            _("Only supervisors and admins keep the team's quick replies; yours can be personal.")
        )


def _reply_kept_by(user: User, reply_id: int) -> QuickReply:
    """The quick reply, locked, if the user may change it: their own, or the team's for
    supervisors and admins. Another operator's own is a 404, as if there were none."""
    reply = (
        locked(QuickReply.objects)
        .filter(Q(owner__isnull=True) | Q(owner=user), pk=reply_id)
        .first()
    )
    if reply is None:
        raise NotFound(_("There is no quick reply %(id)s.") % {"id": reply_id})
    if reply.owner_id is None:
        _keeps_the_teams(user)
    return reply


@transaction.atomic
def quick_reply_create(*, user: User, title: str, text: str, personal: bool = False) -> QuickReply:
    """The team's quick reply (supervisors and admins), or the user's own (`personal`)."""
    title, text = _clean(title, text)
    if not personal:
        _keeps_the_teams(user)
    reply = QuickReply.objects.create(
        title=title, text=text, created_by=user, owner=user if personal else None
    )
    audit_record(actor=user, action="quick_reply.create", target=f"quick_reply:{reply.pk}")
    return reply


@transaction.atomic
def quick_reply_update(*, user: User, reply_id: int, title: str, text: str) -> QuickReply:
    title, text = _clean(title, text)
    reply = _reply_kept_by(user, reply_id)
    reply.title, reply.text = title, text
    reply.save(update_fields=["title", "text", "updated_at"])
    audit_record(actor=user, action="quick_reply.update", target=f"quick_reply:{reply.pk}")
    return reply


@transaction.atomic
def quick_reply_delete(*, user: User, reply_id: int) -> None:
    _reply_kept_by(user, reply_id).delete()
    audit_record(actor=user, action="quick_reply.delete", target=f"quick_reply:{reply_id}")
