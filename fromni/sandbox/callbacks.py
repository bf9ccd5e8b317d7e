"""Callback delivery to the desk: a queue, a small pool of senders, retries on a schedule.

Like the platform, a delivery that gets no answer in 200..399 within the timeout is sent again
after each delay of `CALLBACK_RETRY_SCHEDULE` (divided by the time scale), 7 more times at the
most. Several senders work at once, so a later callback can overtake an earlier one.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import requests

from fromni.methods import CALLBACK_RETRY_SCHEDULE

from .clock import now_iso
from .logbook import LogBook
from .scheduler import Scheduler

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 5.0
SENDER_THREADS = 4

# (callback URL, secret) as set now; read at each attempt so `callback/set` takes effect at once.
TargetGetter = Callable[[], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Delivery:
    seq: int
    kind: str
    body: dict[str, Any]
    attempt: int
    epoch: int


def callback_kind(body: dict[str, Any]) -> str:
    """Conversation callbacks name their kind in `name`, the others in `type`."""
    return str(body.get("name") or body.get("type") or "unknown")


class CallbackDispatcher:
    def __init__(
        self,
        target: TargetGetter,
        scheduler: Scheduler,
        *,
        time_scale: float = 1.0,
        schedule: Sequence[float] = CALLBACK_RETRY_SCHEDULE,
        workers: int = SENDER_THREADS,
        timeout: float = DELIVERY_TIMEOUT_SECONDS,
    ) -> None:
        self._target = target
        self._scheduler = scheduler
        self._delays = [seconds / time_scale for seconds in schedule]
        self._timeout = timeout
        # None wakes a sender up to stop.
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._stop = threading.Event()
        self._seq = itertools.count(1)
        # Bumped by reset(): deliveries of an older epoch are dropped wherever they are.
        self._epoch = 0
        # Deliveries being POSTed now, so that reset() can wait for them: one that reached the
        # desk after a reset would leak into whatever comes next (the next test).
        self._in_flight = 0
        self._flight = threading.Condition()
        self.attempts = LogBook()
        self._threads = [
            threading.Thread(target=self._work, name=f"sandbox-callback-{i}", daemon=True)
            for i in range(workers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def send(self, body: dict[str, Any]) -> int:
        """Queue a callback; the configured secret is added now, so every retry is identical."""
        _, secret = self._target()
        seq = next(self._seq)
        full = {**body, "secret": secret}
        self._queue.put(Delivery(seq, callback_kind(body), full, attempt=1, epoch=self._epoch))
        return seq

    def reset(self) -> None:
        """Forget every delivery: queued ones are dropped, one being sent is waited for (at most
        the delivery timeout) so that nothing of before arrives after."""
        with self._flight:
            self._epoch += 1
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        with self._flight:
            self._flight.wait_for(lambda: self._in_flight == 0, timeout=self._timeout + 1)
        self.attempts.clear()

    def stop(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=1)

    def _work(self) -> None:
        # One session per thread: keep-alive to the desk without sharing a session across threads.
        session = requests.Session()
        try:
            while not self._stop.is_set():
                delivery = self._queue.get()
                if delivery is not None and delivery.epoch == self._epoch:
                    self._deliver(session, delivery)
        finally:
            session.close()

    def _deliver(self, session: requests.Session, delivery: Delivery) -> None:
        url, _ = self._target()
        with self._flight:
            if delivery.epoch != self._epoch:
                return  # reset while it waited
            self._in_flight += 1
        try:
            status, error = self._post(session, url, delivery)
        finally:
            with self._flight:
                self._in_flight -= 1
                self._flight.notify_all()
        if delivery.epoch != self._epoch:
            return  # a reset happened while we were sending: forget this delivery entirely
        self.attempts.append(
            {
                "seq": delivery.seq,
                "kind": delivery.kind,
                "attempt": delivery.attempt,
                "at": now_iso(),
                "status": status,
                "error": error,
                "body": delivery.body,
            }
        )
        if error is None or not url:
            return
        if delivery.attempt > len(self._delays):
            log.warning("callback %s #%d given up: %s", delivery.kind, delivery.seq, error)
            return
        retry = replace(delivery, attempt=delivery.attempt + 1)
        self._scheduler.call_later(self._delays[delivery.attempt - 1], lambda: self._requeue(retry))

    def _post(
        self, session: requests.Session, url: str, delivery: Delivery
    ) -> tuple[int | None, str | None]:
        """(HTTP status or None, error or None) of one attempt."""
        if not url:
            return None, "no callback URL is set"
        try:
            answer = session.post(
                url, json=delivery.body, timeout=self._timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {exc}"
        status = answer.status_code
        return status, None if 200 <= status < 400 else f"HTTP {status}"

    def _requeue(self, delivery: Delivery) -> None:
        if delivery.epoch == self._epoch and not self._stop.is_set():
            self._queue.put(delivery)
