"""The desk's periodic duties, one pass at a time (run in a loop by `manage.py desk_clock`).

Each duty is an idempotent conditional update, so running two clocks is harmless.
"""

from __future__ import annotations

from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from conversations.outbox import replies_recover_stale
from conversations.services import conversations_expire_due
from realtime.selectors import cursor_latest
from realtime.services import DESK_GROUP, events_prune


def tick_cursor() -> None:
    """Tell every socket the latest cursor, so one that lost the last push catches up."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            DESK_GROUP, {"type": "desk.tick", "cursor": cursor_latest()}
        )


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
    tick_cursor()
    return done
