"""The desk's periodic duties, one pass at a time (run in a loop by `manage.py desk_clock`).

Each duty is an idempotent conditional update, so running two clocks is harmless.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from conversations.outbox import replies_recover_stale
from conversations.services import conversations_expire_due
from realtime.services import events_prune


def clock_pass(*, prune: bool = False) -> dict[str, int]:
    done = {
        "expired": conversations_expire_due(),
        "recovered": replies_recover_stale(
            older_than=timedelta(seconds=settings.DESK_SEND_STALE_SECONDS)
        ),
    }
    if prune:
        done["pruned"] = events_prune(
            older_than=timedelta(hours=settings.DESK_EVENT_RETENTION_HOURS)
        )
    return done
