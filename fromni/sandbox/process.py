"""SandboxProcess: run the sandbox as a child process for tests, benchmarks and demos."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from .variants import cli_arguments

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 10.0
LISTENING = "fromni-sandbox listening on "


class SandboxStartError(RuntimeError):
    pass


class SandboxProcess:
    """`python -m fromni.sandbox ...` as a child; a context manager.

    `base_url` is `http://host:port`, `api_url` the desk's FROMNI_BASE_URL (`base_url/user`).
    """

    def __init__(
        self,
        token: str,
        callback_url: str,
        secret: str,
        autopilot: float = 0,
        time_scale: float = 1.0,
        status_delays: tuple[float, float] | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        variants: Mapping[str, Any] | None = None,
    ) -> None:
        self.token, self.callback_url, self.secret = token, callback_url, secret
        # Readings of the reference to play from the start, as the control API names them
        # ({"nullEmpty": True, "pageCap": 3, ...}); passed as command-line flags.
        self.variants = dict(variants or {})
        self.autopilot, self.time_scale, self.status_delays = autopilot, time_scale, status_delays
        self.host, self.port = host, port
        self.base_url = ""
        self.api_url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        # The child's later stdout lines (it prints little); drained so its pipe never fills.
        self.output: deque[str] = deque(maxlen=1000)
        self._session = requests.Session()

    def command(self) -> list[str]:
        args = [sys.executable, "-m", "fromni.sandbox", "--host", self.host]
        args += ["--port", str(self.port), "--token", self.token]
        args += ["--callback-url", self.callback_url, "--secret", self.secret]
        args += ["--autopilot", str(self.autopilot), "--time-scale", str(self.time_scale)]
        if self.status_delays is not None:
            delays = self.status_delays
            text = delays if isinstance(delays, str) else ",".join(str(d) for d in delays)
            args += ["--status-delays", text]
        return args + cli_arguments(self.variants)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SandboxProcess:
        # stderr goes to a file: it cannot block the child, and it is there to show on failure.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self._proc = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        first_line: list[str] = []
        got_line = threading.Event()
        threading.Thread(
            target=self._drain, args=(first_line, got_line), name="sandbox-stdout", daemon=True
        ).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        got_line.wait(STARTUP_TIMEOUT_SECONDS)
        if not first_line or not first_line[0].startswith(LISTENING):
            self._fail(f"did not announce its port (first line: {first_line[:1]})")
        self.base_url = first_line[0][len(LISTENING) :].strip()
        self.port = int(self.base_url.rsplit(":", 1)[1])
        self.api_url = self.base_url + "/user"
        self._wait_healthy(deadline)
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if proc.stdout:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._session.close()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    # --- the control API ---------------------------------------------------------------------

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API (`/_sandbox/reset` or just `reset`); the parsed JSON answer.

        Raises requests.HTTPError on a 4xx/5xx answer.
        """
        if not path.startswith("/"):
            path = "/_sandbox/" + path
        answer = self._session.request(method, self.base_url + path, json=json, timeout=10)
        answer.raise_for_status()
        return answer.json()

    # --- internals ---------------------------------------------------------------------------

    def _drain(self, first_line: list[str], got_line: threading.Event) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        try:
            first_line.append(stream.readline().decode("utf-8", "replace"))
            got_line.set()
            for line in stream:
                self.output.append(line.decode("utf-8", "replace").rstrip("\n"))
        except (OSError, ValueError):
            pass  # the pipe was closed by stop()
        finally:
            got_line.set()

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                self._fail("exited during start-up")
            try:
                if self._session.get(self.base_url + "/_sandbox/health", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self._fail(f"did not answer /_sandbox/health within {STARTUP_TIMEOUT_SECONDS:g} s")

    def _fail(self, why: str) -> None:
        stderr = self.stderr_text()
        self.stop()
        raise SandboxStartError(f"the sandbox {why}; its stderr:\n{stderr}")
