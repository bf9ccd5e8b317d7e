"""Injected failures for API paths: the tests' way to make the platform misbehave."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fromni.methods import METHODS_BY_PATH

from .responses import DROP, Response, api_error, json_response

MODES = ("error500", "refuse", "outage", "timeout", "drop", "not_json", "bad_shape")
ANY_PATH = "*"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_OUTAGE_STATUS = 502
# What `error500` says: the platform's own error body, with words the desk does not know.
INJECTED_ERROR = "Internal server error (injected fault)"


@dataclass
class Fault:
    path: str
    mode: str
    # Calls left to spoil; None: until cleared.
    remaining: int | None
    delay_seconds: float
    # True: the call takes effect, then the fault spoils its answer.
    after: bool
    # `refuse`: the platform's words; `outage`: the status a proxy answers.
    message: str = INJECTED_ERROR
    status: int = DEFAULT_OUTAGE_STATUS


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
    message = spec.get("message", INJECTED_ERROR)
    if not isinstance(message, str) or not message.strip():
        raise ValueError("message must be a non-empty string")
    status = spec.get("status", DEFAULT_OUTAGE_STATUS)
    if isinstance(status, bool) or not isinstance(status, int) or not 500 <= status <= 599:
        raise ValueError("status must be an HTTP status from 500 to 599")
    return Fault(
        path.strip("/"),
        mode,
        count,
        float(delay),
        bool(spec.get("after", False)),
        message=message,
        status=status,
    )


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
    if fault.mode == "refuse":
        return api_error(500, fault.message)
    if fault.mode == "outage":
        return outage_page(fault.status)
    return SPOILED[fault.mode]


def outage_page(status: int) -> Response:
    """What a proxy in front of a platform that is down answers: a 5xx with an HTML page,
    not the platform's error body."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a 5xx without a standard name
        reason = "Server Error"
    page = f"<html><head><title>{status} {reason}</title></head><body><center><h1>"
    page += f"{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
    return Response(status, page.encode(), "text/html; charset=utf-8")


SPOILED: dict[str, Response] = {
    "error500": api_error(500, INJECTED_ERROR),
    "drop": DROP,
    "not_json": Response(
        200, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html; charset=utf-8"
    ),
    "bad_shape": json_response(200, {"result": "success", "data": 42}),
}
