"""One timer thread that runs small jobs later (retries, status changes, completions)."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Scheduler:
    """Runs `fn` after `delay` seconds on its own thread.

    Jobs must be quick (they only touch in-memory state or enqueue a callback): a slow job
    would delay every later one. `clear()` forgets pending jobs, for the sandbox reset.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sandbox-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        due = time.monotonic() + max(0.0, delay)
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._seq), fn))
            self._cond.notify()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _next_job(self) -> Callable[[], None] | None:
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._heap)[2]
                self._cond.wait(timeout=wait)
            return None

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            # Run outside the condition: jobs take the state lock, and call_later is called
            # while holding it, so holding both here could deadlock.
            try:
                job()
            except Exception:
                log.exception("scheduled job failed")
