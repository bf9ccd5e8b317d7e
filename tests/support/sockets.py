"""The desk's websocket in process (channels' WebsocketCommunicator), signed in as a user.

Used with the in-memory channel layer (`in_memory_channel_layer` in tests/support/admin.py):
the Redis layer is exercised by the live tests.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from operator_desk.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(
    user: User | None = None, *, cursor: int | None = None, origin: tuple = ORIGIN
) -> WebsocketCommunicator:
    """A socket the desk accepted: as `user` (anonymous without one), from `cursor` if given."""
    headers = [origin, (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    path = "/ws/desk/" if cursor is None else f"/ws/desk/?cursor={cursor}"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, timeout: float = 3.0) -> dict:
    return await communicator.receive_json_from(timeout=timeout)
