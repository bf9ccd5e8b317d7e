"""Riding out an outage of the database or Redis: what counts as one, and saying so once.

A long-running process (the callback applier, the worker, the clock, daphne's relay and
pushes) that loses the database or Redis keeps trying, with a growing pause between attempts,
and logs one warning when the outage starts and one when it ends, with how long it lasted:
not a traceback per attempt (one Redis restart used to write thousands of lines a second).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import psycopg
import redis
from psycopg_pool import PoolTimeout

# SQLSTATEs of a server that is going away or not yet accepting: class 08 (connection
# exception), and admin/crash shutdown and "the database system is starting up" (57P01-03).
_SERVER_GOING_AWAY = ("57P01", "57P02", "57P03")


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says that the database cannot be had right now (down, restarting, the
    connection lost, no connection from the pool in time), as opposed to a statement that
    failed (a deadlock, a constraint, a bug), which trying again later would not change."""
    for cause in _causes(error):
        if isinstance(cause, PoolTimeout | psycopg.InterfaceError):
            return True
        if isinstance(cause, psycopg.OperationalError):
            state = cause.sqlstate
            # No SQLSTATE: the client's own error (refused, reset, closed connection).
            return state is None or state.startswith("08") or state in _SERVER_GOING_AWAY
    return False


def describe(error: BaseException) -> str:
    """One line for a log: the innermost error's type and the first line of its message."""
    innermost = list(_causes(error))[-1]
    message = str(innermost).strip().splitlines()
    return f"{type(innermost).__name__}: {message[0]}" if message else type(innermost).__name__


class Outage:
    """The state of one dependency as a process sees it: `failed` at each failed attempt,
    `recovered` at each success. Logs the first failure and the recovery only, and says how
    long to pause before the next attempt (doubling from `first_pause` up to `max_pause`)."""

    def __init__(
        self,
        what: str,
        log: logging.Logger,
        *,
        first_pause: float = 0.1,
        max_pause: float = 1.0,
    ) -> None:
        self.what = what
        self.log = log
        self.first_pause = first_pause
        self.max_pause = max_pause
        self.since: float | None = None
        self.failures = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            self.log.warning("%s unavailable (%s); retrying", self.what, describe(error))

    def recovered(self) -> None:
        if self.since is None:
            return
        # A warning too, so that wherever the first line shows, its end shows beside it.
        self.log.warning(
            "%s back after %.1f s (%d failed attempts)",
            self.what,
            time.monotonic() - self.since,
            self.failures,
        )
        self.since, self.failures = None, 0

    def pause(self) -> float:
        """Seconds to wait before the next attempt."""
        return min(self.max_pause, self.first_pause * 2 ** max(0, self.failures - 1))

    def wait(self, running: Callable[[], bool] = lambda: True) -> None:
        """Sleep for `pause()`, in short steps, so that a process asked to stop stops."""
        deadline = time.monotonic() + self.pause()
        while running() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))


class QuietRepeats(logging.Filter):
    """A logging filter: a message (by logger and format, or by logger alone with
    `per_logger`) goes through at most once per `seconds`; how many were held back in between is
    added to the next one that goes. A lost connection is told in a line, without its traceback
    (it says nothing more)."""

    def __init__(self, seconds: float = 60.0, per_logger: bool = False) -> None:
        super().__init__()
        self.seconds = seconds
        self.per_logger = per_logger
        self.seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, "" if self.per_logger else str(record.msg))
        now = time.monotonic()
        last, held_back = self.seen.get(key, (None, 0))
        if last is not None and now - last < self.seconds:
            self.seen[key] = (last, held_back + 1)
            return False
        self.seen[key] = (now, 0)
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, _CONNECTION_ERRORS):
            record.msg = f"{record.msg} ({describe(error).replace('%', '%%')})"
            record.exc_info = record.exc_text = None
        if held_back:
            record.msg = f"{record.msg} ({held_back} more like it in the last {now - last:.0f} s)"
        return True


_CONNECTION_ERRORS = (OSError, redis.ConnectionError, redis.TimeoutError, psycopg.OperationalError)


class UnavailableAnswers(logging.Filter):
    """For django.request: leaves out the 503s the desk answers while the database is away
    (Django logs every 5xx as an error); the outage itself is logged once by who met it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 503
