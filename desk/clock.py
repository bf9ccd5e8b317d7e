"""The desk's periodic duties, one pass at a time (run in a loop by `manage.py desk_clock`).

Each duty is an idempotent conditional update, so running two clocks is harmless.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from callbacks.repeats import repeats_recover_stale
from callbacks.services import callbacks_apply_pending
from conversations.assignment import conversations_auto_assign
from conversations.outbox_recovery import replies_recover_stale, replies_requeue_unclaimed
from conversations.snooze import conversations_wake_due
from conversations.window import conversations_expire_due
from operators.presence import presence_expire_stale
from realtime.services import events_prune


def clock_pass(*, prune: bool = False) -> dict[str, int]:
    stale = timedelta(seconds=settings.DESK_SEND_STALE_SECONDS)
    done = {
        # Stored callbacks whose process died before applying them.
        "callbacks": callbacks_apply_pending(older_than=timedelta(seconds=5)),
        # Repeated user messages whose reconciling task was lost.
        "repeats": repeats_recover_stale(),
        "expired": conversations_expire_due(),
        # After expiry: a snooze never outlives its window, so what is due is still open.
        "woken": conversations_wake_due(),
        # Sends whose worker died mid-send, and replies whose task no worker took.
        "recovered": replies_recover_stale(older_than=stale),
        "requeued": replies_requeue_unclaimed(older_than=stale),
        "offline": presence_expire_stale(
            timeout=timedelta(seconds=settings.DESK_PRESENCE_TIMEOUT_SECONDS)
        ),
    }
    # After presence: nobody whose page went quiet gets a conversation. A no-op unless
    # DESK_AUTO_ASSIGN is on.
    done["assigned"] = conversations_auto_assign()
    if prune:
        done["pruned"] = events_prune(
            older_than=timedelta(hours=settings.DESK_EVENT_RETENTION_HOURS)
        )
    return done
