"""The callback applier: its own process (`manage.py apply_callbacks`), so that applying uses
another core while daphne only acknowledges.

The endpoint answers the platform as soon as a body is durable; the applier applies it a moment
later, in its own transaction. On PostgreSQL the endpoint's transaction sends NOTIFY and the
applier wakes at once; on SQLite the endpoint rings the loopback doorbell after commit.
Several appliers may run: each takes the next record with SKIP LOCKED. If none runs, the clock
applies what waited more than a few seconds (desk/clock.py).

A database restart is ridden out: the applier tries again with a growing pause, LISTENs again
once the database is back (NOTIFYs sent meanwhile are lost, so it looks for callbacks first),
and logs the outage once when it starts and once when it ends (operator_desk/outage.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.db import close_old_connections, connection

from callbacks.services import APPLIER_CHANNEL, callbacks_apply_pending
from operator_desk.db import reconnect_afresh
from operator_desk.outage import Outage, database_unavailable
from realtime.doorbell import Bell

log = logging.getLogger(__name__)


class _Waiter:
    """Blocks until new callbacks may be waiting, or the timeout passes: PostgreSQL's NOTIFY,
    or the loopback doorbell the endpoint rings (SQLite)."""

    def __init__(self) -> None:
        self.listener: psycopg.Connection | None = None
        self.bell: Bell | None = None
        if connection.vendor == "postgresql":
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.listener = psycopg.connect(**params, autocommit=True)
            self.listener.execute(f"LISTEN {APPLIER_CHANNEL}")
        else:
            self.bell = Bell("callbacks")

    def wait(self, timeout: float) -> None:
        if self.listener is not None:
            for _ in self.listener.notifies(timeout=timeout, stop_after=1):
                pass
            # Many NOTIFYs, one wake-up: the next look finds all their callbacks.
            for _ in self.listener.notifies(timeout=0):
                pass
        else:
            self.bell.wait(timeout)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
        if self.bell is not None:
            self.bell.close()


# Callbacks applied per pass before the applier closes its connections and looks again.
PASS_LIMIT = 100


def run_applier(*, running: Callable[[], bool]) -> None:
    outage = Outage("database (callback applier)", log)
    waiter: _Waiter | None = None
    try:
        while running():
            try:
                if waiter is None:
                    waiter = _Waiter()
                handled = callbacks_apply_pending(limit=PASS_LIMIT)
                outage.recovered()
                # A pass ends when it has found all that waited (or at its limit: then go on
                # at once). What arrived since has rung, so the wait returns at once for it.
                if handled < PASS_LIMIT:
                    waiter.wait(timeout=settings.DESK_APPLIER_POLL_SECONDS)
            except Exception as error:  # keep applying; the records stay pending
                if waiter is not None:
                    waiter.close()
                    waiter = None
                if database_unavailable(error):
                    outage.failed(error)
                    reconnect_afresh()
                    outage.wait(running)
                else:
                    log.exception("callback applier pass failed")
                    time.sleep(0.5)
            finally:
                close_old_connections()
    finally:
        if waiter is not None:
            waiter.close()
