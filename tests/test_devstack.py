"""desk/devstack.py, the desk as child processes (demo, end-to-end tests, benchmarks): waiting
for a daphne that is slow to answer its first health check."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from desk.devstack import DeskStack


class SlowThenHealthy(BaseHTTPRequestHandler):
    """/healthz answers 200, the first time only after 3 s (a loaded machine)."""

    answered = 0

    def do_GET(self) -> None:
        if SlowThenHealthy.answered == 0:
            time.sleep(3)
        SlowThenHealthy.answered += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_a_health_check_that_times_out_is_asked_again_until_the_deadline():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowThenHealthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stack = DeskStack(env={"FROMNI_API_TOKEN": "t", "FROMNI_CALLBACK_SECRET": "s"})
        # No child running yet: only the health check is waited for.
        stack._wait_healthy(f"http://127.0.0.1:{server.server_port}", timeout=30)
    finally:
        server.shutdown()
    assert SlowThenHealthy.answered >= 2
