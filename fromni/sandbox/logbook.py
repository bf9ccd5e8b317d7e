"""A bounded, thread-safe, append-only record (API requests, callback attempts)."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

# Benchmarks run for a long time; keep the newest entries rather than growing without bound.
DEFAULT_CAPACITY = 100_000


class LogBook:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
