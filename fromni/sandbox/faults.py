"""Injected failures for API paths: the tests' way to make the platform misbehave."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fromni.methods import METHODS_BY_PATH

from .responses import DROP, Response, api_error, json_response

MODES = ("error500", "timeout", "drop", "not_json", "bad_shape")
ANY_PATH = "*"
DEFAULT_TIMEOUT_SECONDS = 30.0


@dataclass
class Fault:
    path: str
    mode: str
    # Calls left to spoil; None: until cleared.
    remaining: int | None
    delay_seconds: float
    # True: the call takes effect, then the fault spoils its answer.
    after: bool


def parse_fault(spec: Any) -> Fault:
    """A Fault from the control API's body; ValueError names what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("body must be an object")
    path, mode = spec.get("path"), spec.get("mode")
    if not isinstance(path, str) or (path != ANY_PATH and path.strip("/") not in METHODS_BY_PATH):
        raise ValueError(f"path must be '*' or an API method path, got {path!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    count = spec.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer")
    delay = spec.get("delaySeconds", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise ValueError("delaySeconds must be a non-negative number")
    return Fault(path.strip("/"), mode, count, float(delay), bool(spec.get("after", False)))


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        """The fault for this call, if any, counting it; a path's own fault beats `*`."""
        with self._lock:
            candidates = [f for f in self._faults if f.path == path] or [
                f for f in self._faults if f.path == ANY_PATH
            ]
            if not candidates:
                return None
            fault = candidates[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            return fault


def apply(fault: Fault, real: Callable[[], Response], stopping: threading.Event) -> Response:
    """The answer a faulty call gets; `real()` handles the call for real.

    Without `after`, a spoiled call never takes effect, except `timeout`, which handles it
    late, like a platform that is slow to pick it up. With `after`, it takes effect first.
    """
    if fault.mode == "timeout":
        if fault.after:
            answer = real()
            stopping.wait(fault.delay_seconds)
            return answer
        stopping.wait(fault.delay_seconds)
        return real()
    if fault.after:
        real()
    return SPOILED[fault.mode]


SPOILED: dict[str, Response] = {
    "error500": api_error(500, "Internal server error (injected fault)"),
    "drop": DROP,
    "not_json": Response(
        200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html; charset=utf-8"
    ),
    "bad_shape": json_response(200, {"result": "success", "data": 42}),
}
