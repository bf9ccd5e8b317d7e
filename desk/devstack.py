"""The whole desk as child processes: the sandbox platform, daphne, the callback applier, the
reply workers, the background worker and the clock.

`make demo`, the end-to-end tests and the benchmarks all start the desk through this one class,
so they run exactly the same processes. The database must already be migrated.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

from fromni.sandbox.process import SandboxProcess
from operator_desk import queues
from realtime.doorbell import BELLS

REPO = Path(__file__).resolve().parent.parent


DAPHNE_PING_INTERVAL = 600


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def free_udp_ports(count: int, host: str = "127.0.0.1") -> int:
    """The first of `count` consecutive UDP ports nobody has bound (for the doorbell)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        with contextlib.ExitStack() as held:
            try:
                for port in range(base, base + count):
                    sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    sock.bind((host, port))
            except OSError:
                continue
            return base
    raise RuntimeError("no free UDP ports for the doorbell")


@contextlib.contextmanager
def fresh_database(configured: str | None = None) -> Iterator[str]:
    """A new, empty database of the same kind as `configured` (default: DATABASE_URL): a
    PostgreSQL database created and dropped afterwards, or a SQLite file in a temp folder."""
    configured = os.environ.get("DATABASE_URL", "") if configured is None else configured
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        name = f"{parts.path.lstrip('/') or 'desk'}_live_{uuid.uuid4().hex[:8]}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="desk-live-") as folder:
            yield f"sqlite:///{Path(folder) / 'desk.sqlite3'}"


class DeskStack:
    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        ports: tuple[int, ...] = (0,),
        sandbox_port: int = 0,
        autopilot: float = 0,
        time_scale: float = 1.0,
        status_delays: tuple[float, float] | str | None = None,
        workers: int = 1,
        quiet: bool = True,
        platform_url: str | None = None,
    ) -> None:
        self.env = {**os.environ, **(env or {})}
        # Doorbells of their own: another desk on this host (a demo, a test run, a process
        # left behind) on the same ports would take half the rings (SO_REUSEPORT).
        self.env.setdefault("DESK_DOORBELL_PORT", str(free_udp_ports(len(BELLS))))
        self.host = host
        self.ports = tuple(port or free_port(host) for port in ports)
        self.urls = [f"http://{host}:{port}" for port in self.ports]
        self.url = self.urls[0]
        self.workers = workers
        self.platform_url = platform_url
        self.quiet = quiet
        self.sandbox = SandboxProcess(
            host=host,
            port=sandbox_port,
            token=self.env["FROMNI_API_TOKEN"],
            secret=self.env["FROMNI_CALLBACK_SECRET"],
            callback_url=f"{self.url}/fromni/callback/",
            autopilot=autopilot,
            time_scale=time_scale,
            status_delays=status_delays,
        )
        self.children: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, IO[bytes]] = {}

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 30) -> DeskStack:
        self.sandbox.start()
        # A test may put something between the desk and the platform (tests/support/proxy.py).
        self.env["FROMNI_BASE_URL"] = self.platform_url or self.sandbox.api_url
        try:
            for port in self.ports:
                self._spawn(
                    f"daphne:{port}",
                    [
                        "-m",
                        "daphne",
                        "-b",
                        self.host,
                        "-p",
                        str(port),
                        # The desk's own heartbeat watches the sockets (realtime/consumers.py);
                        # daphne's protocol pings on top would double the idle traffic.
                        "--ping-interval",
                        str(DAPHNE_PING_INTERVAL),
                        "operator_desk.asgi:application",
                    ],
                )
            # Reply workers run nothing else; one background worker loads histories (and
            # drains tasks queued before the split), as in deploy/Procfile.
            for n in range(self.workers):
                self._spawn(f"worker{n}", self._worker_args(f"worker{n}", queues.REPLIES))
            self._spawn(
                "background",
                self._worker_args("background", f"{queues.BACKGROUND},{queues.LEGACY}"),
            )
            self._spawn("applier", ["manage.py", "apply_callbacks"])
            self._spawn("clock", ["manage.py", "desk_clock", "--interval", "0.5"])
            for url in self.urls:
                self._wait_healthy(url, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in self.children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.clear()
        for log in self.logs.values():
            log.close()
        self.sandbox.stop()

    def __enter__(self) -> DeskStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def running(self) -> bool:
        return all(child.poll() is None for child in self.children.values())

    # --- processes -----------------------------------------------------------------------------

    def _worker_args(self, name: str, queue_names: str) -> list[str]:
        return [
            "manage.py",
            "db_worker",
            "--queue-name",
            queue_names,
            "--interval",
            "0.1",
            "--no-reload",
            "--no-startup-delay",
            "--worker-id",
            f"{name}-{os.getpid()}",
        ]

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        output = None
        if self.quiet:
            # Kept open while the child runs; closed in stop().
            output = self.logs[name] = tempfile.TemporaryFile(prefix=f"desk-{name}-")  # noqa: SIM115
        child = subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        self.children[name] = child
        return child

    def kill(self, name: str) -> None:
        """SIGKILL one process (a fault test: a worker dying mid-send)."""
        child = self.children[name]
        child.kill()
        child.wait()

    def restart(self, name: str) -> None:
        child = self.children.pop(name)
        if child.poll() is None:
            child.kill()
            child.wait()
        self._spawn(name, child.args[1:])

    def output(self, name: str) -> str:
        log = self.logs.get(name)
        if log is None:
            return ""
        log.flush()
        log.seek(0)
        return log.read().decode(errors="replace")

    def outputs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.output(name)[-4000:]}" for name in self.logs)

    def _wait_healthy(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"a desk process exited during start-up\n{self.outputs()}")
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{url}/healthz did not answer 200 within {timeout} s\n{self.outputs()}")
