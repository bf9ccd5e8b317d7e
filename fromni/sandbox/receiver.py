"""A callback receiver for tests and benchmarks: a real threaded HTTP server that records
every JSON body it is sent, and can be told to fail the next N deliveries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    # time.monotonic() when it arrived: for measuring gaps between deliveries.
    at: float
    # time.time() when it arrived.
    wall: float
    path: str
    body: Any  # the parsed JSON, or None when the body was not JSON
    status: int  # what the receiver answered

    @property
    def kind(self) -> str | None:
        if not isinstance(self.body, dict):
            return None
        return self.body.get("name") or self.body.get("type")


class CallbackReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Condition()
        self._received: list[Received] = []
        self._failures: list[int] = []  # statuses to answer next, one per request
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="callback-receiver", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/fromni/callback"

    def start(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CallbackReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer `status` to the next `count` requests, then 200 again."""
        with self._lock:
            self._failures = [status] * count

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._failures.clear()

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def bodies(self, kind: str | None = None) -> list[Any]:
        return [r.body for r in self.received if kind is None or r.kind == kind]

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = 5.0
    ) -> list[Received]:
        """Everything received, once `predicate` holds for it; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self._received)):
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [r.kind for r in self._received]
                    raise AssertionError(f"callbacks not received in {timeout}s; got {kinds}")
                self._lock.wait(left)
            return list(self._received)

    def wait_for_kind(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """The bodies of `kind`, once at least `count` of them (answered 2xx) have arrived."""

        def enough(received: list[Received]) -> bool:
            return sum(1 for r in received if r.kind == kind and r.status < 300) >= count

        received = self.wait_for(enough, timeout)
        return [r.body for r in received if r.kind == kind and r.status < 300]

    def _record(self, path: str, raw: bytes) -> int:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            status = self._failures.pop(0) if self._failures else 200
            self._received.append(Received(time.monotonic(), time.time(), path, body, status))
            self._lock.notify_all()
        return status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, a keep-alive client
            # waits for the delayed ACK (~40 ms) before it sees the body.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._record(self.path, raw)
                body = b'{"ok": true}' if status < 300 else b'{"ok": false}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
