"""Starting real desk processes (daphne, manage.py commands) for tests that cross HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(
    url: str,
    timeout: float = 20.0,
    process: subprocess.Popen | None = None,
    read_timeout: float = 2.0,
):
    """Poll `url` until it answers at all (any status); fail early if `process` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            return requests.get(url, timeout=read_timeout, allow_redirects=False)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def until(check, timeout: float = 15.0, interval: float = 0.1):
    """Call `check` until it returns something truthy, and return that; TimeoutError if it
    never does within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError("condition never held")


class ManagedProcess:
    """A child process whose output goes to a temporary file, shown when a test needs it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        # Kept open for the child's lifetime; the OS cleans the temp dir.
        self.log = tempfile.NamedTemporaryFile(prefix="desk-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            args, cwd=REPO, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, sig: int = 2, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def manage(
    *args: str, env: dict[str, str], unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run a manage.py command with `env` added to, and `unset` removed from, our environment."""
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**full_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def daphne(port: int, env: dict[str, str]) -> ManagedProcess:
    return ManagedProcess(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "operator_desk.asgi:application",
        ],
        env,
    )
