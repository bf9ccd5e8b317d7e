"""Operators for the socket benchmarks: users with claimed conversations, signed-in sessions,
and connected websockets."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from bench.common import handover_body

CONNECT_ATTEMPTS = 10
RETRIES: list[str] = []  # connects that had to be tried again, and why


@dataclass
class Operator:
    username: str
    session_key: str
    conversation_platform_id: str
    url: str  # the daphne this operator's browser talks to
    socket: ClientConnection | None = None
    arrivals: dict[str, float] = field(default_factory=dict)
    pushed_after: list[float] = field(default_factory=list)  # ms, event creation to frame


def make_operators(count: int, urls: list[str], *, with_conversations: bool) -> list[Operator]:
    """Agents (and, if asked, one claimed conversation each), made directly in the database
    with the desk's own services; sessions made the way Django's login does."""
    from django.contrib.auth import SESSION_KEY
    from django.test import Client

    from callbacks.services import callback_receive
    from conversations.actions import conversation_claim
    from conversations.models import Conversation
    from operators.roles import Role
    from operators.services import operator_set_up

    operators = []
    for n in range(count):
        user = operator_set_up(username=f"op{n:04d}", password="bench-pass-123", role=Role.AGENT)
        conversation_id = f"lat{n:05d}"
        if with_conversations:
            callback_receive(body=handover_body(conversation_id, contact_id=f"{n:024x}"))
            conversation = Conversation.objects.get(platform_id=conversation_id)
            conversation_claim(conversation_id=conversation.pk, user=user)
        client = Client()
        client.force_login(user)
        assert client.session[SESSION_KEY] == str(user.pk)
        operators.append(
            Operator(
                user.username,
                client.cookies["sessionid"].value,
                conversation_id,
                urls[n % len(urls)],
            )
        )
    return operators


async def connect_all(operators: list[Operator], *, concurrency: int = 50) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(operator: Operator) -> None:
        async with gate:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    socket = await connect(
                        operator.url.replace("http://", "ws://") + "/ws/desk/",
                        additional_headers={
                            "Cookie": f"sessionid={operator.session_key}",
                            "Origin": operator.url,
                        },
                        open_timeout=30,
                        max_queue=None,
                        # As a browser: it never sends protocol-level pings (the websockets
                        # client pings on a timer of its own by default: at bench/idle.py's
                        # size, more traffic than the desk's own heartbeat). The page's
                        # heartbeat is the desk's, modelled where it matters (bench/idle.py,
                        # like_pages).
                        ping_interval=None,
                    )
                    break
                except (InvalidMessage, InvalidStatus) as error:
                    # daphne closes a socket its consumer has not accepted within its
                    # websocket_connect_timeout (5 s), and refuses (403) one whose consumer
                    # failed before accepting: on a machine loaded by others, some of hundreds
                    # of connects at once do. The page connects again; so do we, counted.
                    RETRIES.append(f"{operator.username}: {error}")
                    if attempt == CONNECT_ATTEMPTS - 1:
                        raise
                    await asyncio.sleep(1)
            ready = json.loads(await socket.recv())
            assert ready["type"] == "desk.ready", ready
            operator.socket = socket

    await asyncio.gather(*(one(o) for o in operators))


async def frames(operator: Operator, stop: asyncio.Event) -> AsyncIterator[tuple[float, str]]:
    """Each frame the operator's socket receives, with its arrival (time.time(), to compare with
    an event's `at`), until `stop` is set; the server's pings are answered here, not passed on."""
    while not stop.is_set():
        try:
            raw = await asyncio.wait_for(operator.socket.recv(), 0.5)
        except TimeoutError:
            continue
        arrived = time.time()
        if '"desk.ping"' in raw:
            await operator.socket.send('{"type":"desk.pong"}')
            continue
        yield arrived, raw


async def close_all(operators: list[Operator]) -> None:
    await asyncio.gather(*(o.socket.close() for o in operators if o.socket))
