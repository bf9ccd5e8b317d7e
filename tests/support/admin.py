"""Fixtures for the admin pages' tests: an admin's browser, and the desk pointed at the sandbox.

`platform` points the desk's API client at the session's sandbox process (reset before each
test), so every admin action below crosses real HTTP to a simulated platform. `fault(...)`
makes the platform fail on demand through the sandbox's /_sandbox/faults.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connections
from django.test import Client

from fromni.sandbox.process import SandboxProcess


@pytest.fixture
def platform(sandbox: SandboxProcess, settings) -> SandboxProcess:
    settings.FROMNI_BASE_URL = sandbox.api_url
    settings.FROMNI_API_TOKEN = sandbox.token
    # Reads are retried on a 5xx; keep a failing test quick without changing what it shows.
    settings.FROMNI_READ_TIMEOUT = 5
    return sandbox


@pytest.fixture
def admin_client(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


def fault(sandbox: SandboxProcess, path: str, mode: str = "error500", **options: Any) -> None:
    sandbox.control("POST", "/_sandbox/faults", json={"path": path, "mode": mode, **options})


def requests_to(sandbox: SandboxProcess, path: str) -> list[dict[str, Any]]:
    """The API requests the platform received on `path`, oldest first."""
    return [r for r in sandbox.control("GET", "/_sandbox/requests")["data"] if r["path"] == path]


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def in_memory_channel_layer(settings) -> None:
    """In-process sockets on the in-memory layer, whatever REDIS_URL says: pytest-asyncio closes
    each test's event loop, and channels-redis's receive loops bound to it do not survive that
    (as in tests/test_realtime.py; the live tests exercise Redis)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
async def database_threads_closed():
    """After a test of in-process sockets: the consumers' database thread keeps its connection;
    closed, so that the test database can be dropped at the end of the run."""
    yield
    await database_sync_to_async(connections.close_all)()
