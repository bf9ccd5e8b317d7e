"""The whole desk as child processes: the sandbox platform, daphne, the callback applier, the
reply workers, the background worker and the clock.

`make demo`, the end-to-end tests and the benchmarks all start the desk through this one class,
so they run exactly the same processes. The database must already be migrated.

Once the desk is up, a child that exits by itself is started again, as systemd's Restart=always
does in production (deploy/*.service): after a pause that doubles with each quick exit.

Several stacks may make one desk on several hosts (tests/support/netns.py): each runs its
children through a `launcher` (e.g. `ip netns exec HOST`) and they share one platform.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
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

# A child that exits is started again after RESTART_FIRST_PAUSE, doubling up to RESTART_MAX_PAUSE
# while it keeps exiting; one that ran for RESTART_RESET_AFTER starts from the first pause again.
RESTART_FIRST_PAUSE = 0.5
RESTART_MAX_PAUSE = 8.0
RESTART_RESET_AFTER = 30.0


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
def fresh_database(configured: str | None = None, *, template: str | None = None) -> Iterator[str]:
    """A new database of the same kind as `configured` (default: DATABASE_URL): a PostgreSQL
    database created and dropped afterwards, or a SQLite file in a temp folder. Empty, or a copy
    of `template` (a database this function gave on the same server, no longer in use)."""
    configured = os.environ.get("DATABASE_URL", "") if configured is None else configured
    if configured.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(configured)
        name = f"{parts.path.lstrip('/') or 'desk'}_live_{uuid.uuid4().hex[:8]}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        copied = f' TEMPLATE "{urlsplit(template).path.lstrip("/")}"' if template else ""
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copied}')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="desk-live-") as folder:
            path = Path(folder) / "desk.sqlite3"
            if template:
                source = Path(template.removeprefix("sqlite:///"))
                for suffix in ("", "-wal"):  # a WAL left by the last writer is part of it
                    if source.with_name(source.name + suffix).exists():
                        shutil.copyfile(
                            source.with_name(source.name + suffix),
                            path.with_name(path.name + suffix),
                        )
            yield f"sqlite:///{path}"


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
        launcher: Sequence[str] = (),
        sandbox: SandboxProcess | None = None,
    ) -> None:
        """`launcher`: a command each child runs under (`ip netns exec HOST`: on another host);
        then `ports` must be given, as they are free there and not here. `sandbox`: a platform
        already running, shared with other stacks (its callbacks go where it was told)."""
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
        self.launcher = tuple(launcher)
        self.owns_sandbox = sandbox is None
        self.sandbox = sandbox or SandboxProcess(
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
        # What each child runs (after the launcher and the interpreter): to start it again.
        self.commands: dict[str, list[str]] = {}
        self.logs: dict[str, IO[bytes]] = {}
        # Restart-on-exit: how often each child was started again, and its state.
        self.restarts: dict[str, int] = {}
        self._started_at: dict[str, float] = {}
        self._pauses: dict[str, float] = {}
        self._due: dict[str, tuple[float, subprocess.Popen]] = {}
        self._children_lock = threading.RLock()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 90) -> DeskStack:
        if self.owns_sandbox:
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
                        # The desk's own heartbeat watches the sockets (desk/heartbeat.py);
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
        self._stopping.clear()
        self._supervisor = threading.Thread(target=self._supervise, name="desk-supervisor")
        self._supervisor.daemon = True
        self._supervisor.start()
        return self

    def stop(self) -> None:
        self.unsupervise()
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
        if self.owns_sandbox:
            self.sandbox.stop()

    def unsupervise(self) -> None:
        """Start nothing again from now on (a whole host going away: nobody restarts it)."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join()
            self._supervisor = None

    def __enter__(self) -> DeskStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def running(self) -> bool:
        """Whether every child is running right now (one may be about to be started again)."""
        with self._children_lock:
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
            # Kept open while the child runs, and by the next one of the same name; closed in
            # stop().
            if name not in self.logs:
                self.logs[name] = tempfile.TemporaryFile(prefix=f"desk-{name}-")  # noqa: SIM115
            output = self.logs[name]
        child = subprocess.Popen(
            [*self.launcher, sys.executable, *args],
            cwd=REPO,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
        with self._children_lock:
            self.children[name] = child
            self.commands[name] = args
            self._started_at[name] = time.monotonic()
            self._due.pop(name, None)
        return child

    def kill(self, name: str) -> None:
        """SIGKILL one process (a fault test: a worker dying mid-send). Like any child that
        exits, it is started again after a pause."""
        child = self.children[name]
        child.kill()
        child.wait()

    def restart(self, name: str) -> None:
        """Start one process again now (killed first if it is running)."""
        with self._children_lock:
            child = self.children.pop(name)
            if child.poll() is None:
                child.kill()
                child.wait()
            self._spawn(name, self.commands[name])

    def _supervise(self) -> None:
        """Start again, after a pause, each child that exited (the stack is not stopping)."""
        while not self._stopping.wait(0.1):
            with self._children_lock:
                for name, child in list(self.children.items()):
                    if child.poll() is not None and name not in self._due:
                        self._schedule_restart(name, child)
                now = time.monotonic()
                for name, (due, exited) in list(self._due.items()):
                    if now >= due and self.children.get(name) is exited:
                        self.restarts[name] = self.restarts.get(name, 0) + 1
                        self._spawn(name, self.commands[name])

    def _schedule_restart(self, name: str, child: subprocess.Popen) -> None:
        lived = time.monotonic() - self._started_at.get(name, 0.0)
        pause = self._pauses.get(name, 0.0) * 2 if lived < RESTART_RESET_AFTER else 0.0
        pause = min(RESTART_MAX_PAUSE, max(RESTART_FIRST_PAUSE, pause))
        self._pauses[name] = pause
        self._due[name] = (time.monotonic() + pause, child)
        note = (
            f"desk: {name} exited with code {child.returncode} after {lived:.1f} s; "
            f"starting it again in {pause:.1f} s\n"
        )
        log = self.logs.get(name)
        if log is not None:
            log.write(note.encode())
            log.flush()
        sys.stderr.write(note)

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
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or too busy to answer in time (a loaded machine)
            time.sleep(0.1)
        raise TimeoutError(f"{url}/healthz did not answer 200 within {timeout} s\n{self.outputs()}")
