"""Shared fixtures: the platform sandbox process and a callback receiver (docs/sandbox.md).

- `callback_receiver`: a real HTTP server on 127.0.0.1 that records every callback body
  (`.received`, `.bodies(kind)`, `.wait_for_kind(kind, count)`), and answers a chosen status to
  the next N requests (`.fail_next(n, status)`). Cleared for each test.
- `sandbox`: a `SandboxProcess` (`.base_url`, `.api_url`, `.token`, `.secret`, `.control()`),
  reset to its seed before each test and pointed at `callback_receiver`. One process serves
  the whole session; it runs with time scale `SANDBOX_TIME_SCALE`, so statuses, completions
  and callback retries come quickly, while `operatorMode.expiresAt` stays wall-clock time.
- `sandbox_api`: `sandbox_api(path, body)` POSTs to `/user/{path}` with the sandbox's token
  and returns the `requests.Response`; `sandbox_api.ok(path, body)` asserts a success and
  returns the JSON; `sandbox_api.error(path, body)` asserts the platform's HTTP 500 error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.utils import timezone, translation

from fromni.sandbox.process import SandboxProcess
from fromni.sandbox.receiver import CallbackReceiver

SANDBOX_TOKEN = "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SANDBOX_SECRET = "sandbox-callback-secret"
SANDBOX_TIME_SCALE = 50.0

_NO_BODY = object()


@pytest.fixture(autouse=True)
def desk_defaults_around_each_test() -> Iterator[None]:
    """Each test starts and ends in the desk's default language and zone: a request answered in
    Russian leaves Russian active in the thread (LocaleMiddleware activates a language and never
    puts the previous one back), and a later test's service call would speak it."""
    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database; at the end of the run, on PostgreSQL, the connections
    still open to it are closed before it is dropped (PostgreSQL refuses to drop a database
    others are connected to): the pool's, and those threads of the run kept (the sockets'
    database thread, the callback endpoint's)."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            connection.close()
            if connection.settings_dict["OPTIONS"].get("pool"):
                connection.close_pool()
            with connection._nodb_cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [connection.settings_dict["NAME"]],
                )


@pytest.fixture(scope="session")
def callback_server() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as receiver:
        yield receiver


@pytest.fixture
def callback_receiver(callback_server: CallbackReceiver) -> CallbackReceiver:
    callback_server.clear()
    return callback_server


@pytest.fixture(scope="session")
def sandbox_process(callback_server: CallbackReceiver) -> Iterator[SandboxProcess]:
    process = SandboxProcess(
        token=SANDBOX_TOKEN,
        callback_url=callback_server.url,
        secret=SANDBOX_SECRET,
        time_scale=SANDBOX_TIME_SCALE,
    )
    with process:
        yield process


@pytest.fixture
def sandbox(
    sandbox_process: SandboxProcess, callback_server: CallbackReceiver
) -> Iterator[SandboxProcess]:
    # Reset first (it drops pending callbacks), then forget what the receiver got.
    sandbox_process.control("POST", "/_sandbox/reset")
    callback_server.clear()
    yield sandbox_process


class SandboxApi:
    """The platform API of a sandbox, as a test calls it."""

    def __init__(self, process: SandboxProcess) -> None:
        self.process = process
        self.session = requests.Session()

    def __call__(
        self, path: str, body: Any = _NO_BODY, *, token: str | None = None
    ) -> requests.Response:
        headers = {
            "Authorization": f"Token {token or self.process.token}",
            "Content-Type": "application/json",
        }
        # Serialised here: requests sends no body at all for json=None, and `null` is a body.
        payload = json.dumps({} if body is _NO_BODY else body)
        url = f"{self.process.api_url}/{path}"
        return self.session.post(url, data=payload, headers=headers, timeout=10)

    def ok(self, path: str, body: Any = _NO_BODY) -> dict[str, Any]:
        answer = self(path, body)
        assert answer.status_code == 200, answer.text
        payload = answer.json()
        assert payload["result"] == "success", payload
        return payload

    def error(self, path: str, body: Any = _NO_BODY, status: int = 500) -> dict[str, Any]:
        answer = self(path, body)
        assert answer.status_code == status, answer.text
        payload = answer.json()
        assert payload["result"] == "error" and payload["message"], payload
        return payload


@pytest.fixture
def sandbox_api(sandbox: SandboxProcess) -> Iterator[SandboxApi]:
    api = SandboxApi(sandbox)
    yield api
    api.session.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A test that fails on a live desk shared by its module (the browser tests) shows what the
    desk's processes said: the desk fixture itself only sees its own failures."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    stack = getattr(getattr(item, "funcargs", {}).get("desk"), "stack", None)
    if stack is not None:
        report.sections.append(("the live desk's processes", stack.outputs()))
