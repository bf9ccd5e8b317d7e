"""Running the sandbox: the CLI and its environment fallbacks, the first stdout line, prompt
exit on SIGTERM/SIGINT, and SandboxProcess's start-up errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from fromni.sandbox.process import SandboxProcess, SandboxStartError
from fromni.sandbox.receiver import CallbackReceiver

pytestmark = pytest.mark.sandbox

REPO = Path(__file__).resolve().parents[1]


def spawn(*args: str, **env: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FROMNI_SANDBOX_")}
    return subprocess.Popen(
        [sys.executable, "-m", "fromni.sandbox", *args],
        cwd=REPO,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_environment_configures_it_and_a_signal_stops_it(signum):
    proc = spawn(
        FROMNI_SANDBOX_PORT="0",
        FROMNI_SANDBOX_TOKEN="env-token",
        FROMNI_SANDBOX_CALLBACK_URL="http://127.0.0.1:9/cb",
        FROMNI_SANDBOX_SECRET="env-secret",
        FROMNI_SANDBOX_TIME_SCALE="10",
        FROMNI_SANDBOX_STATUS_DELAYS="off",
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("fromni-sandbox listening on http://127.0.0.1:")
        base = line.split(" on ", 1)[1].strip()
        answer = requests.post(
            f"{base}/user/callback/get",
            json={},
            headers={"Authorization": "Token env-token"},
            timeout=5,
        ).json()
        assert answer == {
            "result": "success",
            "callbackUrl": "http://127.0.0.1:9/cb",
            "secret": "env-secret",
        }
        started = time.monotonic()
        proc.send_signal(signum)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - started < 2
    finally:
        proc.kill()
        proc.communicate()


def test_flags_beat_the_environment():
    proc = spawn("--port", "0", "--token", "flag-token", FROMNI_SANDBOX_TOKEN="env-token")
    try:
        base = proc.stdout.readline().split(" on ", 1)[1].strip()
        headers = {"Authorization": "Token flag-token"}
        assert requests.post(f"{base}/user/callback/get", json={}, headers=headers, timeout=5).ok
    finally:
        proc.terminate()
        proc.communicate(timeout=5)


def test_token_is_required():
    proc = spawn("--port", "0")
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 2 and "--token" in err


def test_bad_flag_values_are_refused():
    proc = spawn("--port", "0", "--token", "t", "--status-delays", "soon")
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 2 and "status-delays" in err


def test_start_failure_shows_the_childs_stderr(sandbox_process):
    busy = SandboxProcess("t", "", "", port=sandbox_process.port)
    with pytest.raises(SandboxStartError, match="Address already in use"):
        busy.start()


def test_status_delays_off_leaves_messages_sent():
    with (
        CallbackReceiver() as receiver,
        SandboxProcess("t", receiver.url, "s", time_scale=100, status_delays="off") as sandbox,
    ):
        conv = sandbox.control("POST", "conversations", {})
        headers = {"Authorization": "Token t"}
        send = {"conversationId": conv["id"], "message": {"text": "hi"}}
        assert requests.post(
            f"{sandbox.api_url}/conversations/send", json=send, headers=headers, timeout=5
        ).ok
        time.sleep(0.3)  # 3 s scaled 100 times is 30 ms: a status would have come by now
        assert receiver.bodies("conversation_message_updated") == []
        assert (
            sandbox.control("GET", f"conversations/{conv['id']}/messages")["data"][0]["status"]
            == "sent"
        )


def test_process_urls_and_stop(sandbox_process):
    assert sandbox_process.api_url == sandbox_process.base_url + "/user"
    with SandboxProcess("t", "", "", status_delays=(0.5, 1)) as extra:
        assert extra.control("GET", "/_sandbox/health") == {"ok": True}
        assert extra.port != sandbox_process.port
    assert extra.returncode is None  # forgotten once stopped
    with pytest.raises(requests.ConnectionError):
        requests.get(extra.base_url + "/_sandbox/health", timeout=2)
