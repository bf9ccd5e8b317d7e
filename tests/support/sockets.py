"""The desk's websocket in process (channels' WebsocketCommunicator), signed in as a user.

Used with the in-memory channel layer (`in_memory_channel_layer` in tests/support/admin.py):
the Redis layer is exercised by the live tests.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from operator_desk.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1:8000")

# A test module of in-process sockets: `pytestmark = IN_PROCESS_SOCKETS` (the fixtures are in
# tests/support/admin.py).
IN_PROCESS_SOCKETS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer", "database_threads_closed"),
]


def session_key(user: User) -> str:
    """A session of `user`, signed in as the login page does (the key its cookie carries)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_cookie(user: User) -> bytes:
    return f"{settings.SESSION_COOKIE_NAME}={session_key(user)}".encode()


async def attempt(
    cookie: bytes | None, *, cursor: int | None = None, origin: tuple = ORIGIN
) -> tuple[WebsocketCommunicator, bool, int | None]:
    """Open a socket with this Cookie header (none: anonymous): the socket, whether the desk
    accepted it, and the close code if it did not."""
    headers = [origin, (b"host", b"127.0.0.1:8000")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    path = "/ws/desk/" if cursor is None else f"/ws/desk/?cursor={cursor}"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def connect(
    user: User | None = None, *, cursor: int | None = None, origin: tuple = ORIGIN
) -> WebsocketCommunicator:
    """A socket the desk accepted: as `user` (anonymous without one), from `cursor` if given."""
    cookie = None if user is None else await database_sync_to_async(session_cookie)(user)
    communicator, connected, _ = await attempt(cookie, cursor=cursor, origin=origin)
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, timeout: float = 3.0) -> dict:
    return await communicator.receive_json_from(timeout=timeout)
