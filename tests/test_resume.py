"""A socket that drops in the middle of a burst of concurrent callbacks resumes from its cursor
and ends with every event exactly once, in order."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from operators.roles import Role
from tests.support.fixtures import handover, incoming
from tests.support.live_desk import live_desk, live_signed
from tests.support.live_sockets import message_count, read_resuming

pytestmark = pytest.mark.live

DIALOGS = 10
MESSAGES_PER_DIALOG = 15


def post_all(url: str, bodies: list[dict]) -> list[int]:
    session = requests.Session()
    return [session.post(url, json=live_signed(body), timeout=30).status_code for body in bodies]


async def test_resume_after_a_drop_mid_burst_misses_nothing_and_repeats_nothing():
    with live_desk() as desk:
        desk.operator("sam", Role.SUPERVISOR)
        session = desk.login("sam")
        start = desk.api(session, "GET", "session").json()["cursor"]
        dialogs = [f"burst{n:02d}" for n in range(DIALOGS)]
        handovers = [handover(d, contact_id=f"{n:024d}") for n, d in enumerate(dialogs)]
        messages = [incoming(d, f"{d} #{m}") for d in dialogs for m in range(MESSAGES_PER_DIALOG)]
        callback_url = f"{desk.url}/fromni/callback/"
        post_all(callback_url, handovers)
        events: list[dict] = []
        headers = desk.ws_headers(session)
        # Four senders at once, so transactions commit concurrently.
        chunks = [messages[i::4] for i in range(4)]
        with ThreadPoolExecutor(4) as pool:
            sending = [pool.submit(post_all, callback_url, chunk) for chunk in chunks]
            await read_resuming(desk, headers, start, lambda got: len(got) >= 40, events)
            # Dropped mid-burst; the burst goes on while the socket is away.
            await asyncio.sleep(0.3)
            statuses = [code for future in sending for code in future.result()]
            assert set(statuses) == {200}
            await read_resuming(
                desk, headers, start, lambda got: message_count(got) >= len(messages), events
            )
        cursors = [e["cursor"] for e in events]
        assert cursors == list(range(start + 1, start + len(events) + 1))
        texts = [
            e["data"]["message"]["text"] for e in events if e["type"] == "desk.message_created"
        ]
        assert sorted(texts) == sorted(m["data"]["message"]["text"] for m in messages)
