"""Releasing callbacks parked until something the domain makes appears.

A status that overtakes the answer to its send waits for the reply's messageId
(callbacks/services.py parks it under `message_key`). The outbox stores that id and says so
(conversations.signals.reply_identified, inside its transaction): here, under the named lock
a status takes before it parks, the bodies waiting for it are marked ready for the applier, and
the applier is woken once that transaction commits. The mark is in the same transaction as the
id, so they are released if and only if the id is stored; the applier applies them once, in
arrival order, as it applies every body. The domain never calls the dispatcher.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callbacks.models import CallbackRecord
from callbacks.services import message_key, notify_applier
from conversations.signals import reply_identified
from operator_desk.db import named_locks


def callbacks_release(*, waiting_for: Sequence[str]) -> int:
    """Make the callbacks parked under the names `waiting_for` ready for the applier (in the
    caller's transaction) and wake it after commit. Returns how many. Each name's lock is taken
    even when nothing is parked under it yet: a status that is checking for its reply right now
    parks under that lock, and must either see the id or be released here."""
    named_locks(waiting_for)
    released = CallbackRecord.objects.filter(waiting_for__in=waiting_for, applied_at=None).update(
        waiting_for=""
    )
    if released:
        notify_applier()
    return released


def _reply_identified(sender: Any, *, replies: Sequence[tuple[str, str]], **kwargs: Any) -> None:
    callbacks_release(
        waiting_for=[
            message_key(conversation_platform_id, platform_message_id)
            for conversation_platform_id, platform_message_id in replies
        ]
    )


def connect() -> None:
    reply_identified.connect(_reply_identified, dispatch_uid="callbacks.release")
