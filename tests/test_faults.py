"""Faults, bounded in time: the platform down, a worker killed mid-send, the channel layer
restarted. Nothing an operator sent is lost or silently sent twice; nothing is missed."""

import asyncio
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.asyncio.client import connect

from desk.devstack import free_port
from operators.roles import Role
from tests.support.fixtures import handover, incoming
from tests.support.live_desk import live_desk
from tests.support.proxy import Outage
from tests.test_end_to_end import claimed_conversation, next_event, reply_states, until
from tests.test_resume import message_count, read_resuming
from tests.test_scale_out import deliver

pytestmark = pytest.mark.live

DONE = ("sent", "delivered", "read")
REPLIES = 500


def test_five_hundred_replies_through_a_platform_outage_are_each_delivered_once():
    sandbox_port = free_port()
    outage = Outage(target_port=sandbox_port)
    platform_url = f"http://127.0.0.1:{outage.port}/user"
    # The platform may take a timed-out request late; the desk checks only after that.
    env = {
        "DESK_SEND_CHECK_DELAY": "4",
        "FROMNI_READ_TIMEOUT": "1.5",
        # Production backs off to 2 minutes; 10 s keeps the test short without a retry storm.
        "DESK_SEND_RETRY_MAX_SECONDS": "10",
    }
    with live_desk(
        env=env, sandbox_port=sandbox_port, platform_url=platform_url, workers=2
    ) as desk:
        desk.operator("anna")
        session = desk.login("anna")
        started, conversation_id = claimed_conversation(desk, session)
        outage.down()  # connection refused
        texts = [f"during the outage {n}" for n in range(REPLIES)]

        def reply(n: int) -> int:
            return desk.api(
                session,
                "POST",
                f"conversations/{conversation_id}/replies",
                {"text": texts[n], "clientKey": f"outage-{n}"},
            ).status_code

        with ThreadPoolExecutor(8) as pool:  # several operators typing at once
            assert set(pool.map(reply, range(REPLIES))) == {200}
        # Visible meanwhile: queued again with the reason, none lost, none "sent".
        states = until(lambda: reply_states(session, desk, conversation_id))
        assert len(states) == REPLIES
        assert not set(states.values()) & set(DONE)
        detail = desk.api(session, "GET", f"conversations/{conversation_id}").json()
        reasons = {m["deliveryDetail"] for m in detail["messages"] if m["deliveryDetail"]}
        assert any("retrying" in reason for reason in reasons), reasons
        # Back, but failing: a proxy's 5xx pages, then answers that come too late.
        outage.up()
        desk.sandbox.control(
            "POST",
            "/_sandbox/faults",
            {"path": "conversations/send", "mode": "outage", "count": 20},
        )
        desk.sandbox.control(
            "POST",
            "/_sandbox/faults",
            {"path": "conversations/send", "mode": "timeout", "count": 3, "delaySeconds": 2.5},
        )
        until(
            lambda: all(s in DONE for s in reply_states(session, desk, conversation_id).values()),
            timeout=600,
            interval=1,
        )
        received = desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")[
            "data"
        ]
        assert sorted(m["text"] for m in received) == sorted(texts)
    outage.down()


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice():
    with live_desk() as desk:
        desk.operator("anna")
        session = desk.login("anna")
        started, conversation_id = claimed_conversation(desk, session)
        # The platform takes the message, then takes its time to answer; the worker dies.
        desk.sandbox.control(
            "POST",
            "/_sandbox/faults",
            {
                "path": "conversations/send",
                "mode": "timeout",
                "count": 1,
                "delaySeconds": 30,
                "after": True,
            },
        )
        response = desk.api(
            session, "POST", f"conversations/{conversation_id}/replies", {"text": "mid-send"}
        )
        assert response.status_code == 200
        until(lambda: reply_states(session, desk, conversation_id)["mid-send"] == "sending")
        desk.stack.kill("worker0")
        desk.stack.restart("worker0")
        # The clock notices the send that never finished; the check finds it on the platform.
        state = until(
            lambda: reply_states(session, desk, conversation_id)["mid-send"] in DONE,
            timeout=30,
        )
        assert state
        received = desk.sandbox.control("GET", f"/_sandbox/conversations/{started['id']}/messages")[
            "data"
        ]
        assert [m["text"] for m in received] == ["mid-send"]


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        until(
            lambda: (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            )
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_sockets_resume_with_no_gap_when_the_channel_layer_restarts():
    redis = RedisServer()
    redis.start()
    try:
        env = {"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
        with live_desk(env=env, ports=(0, 0)) as desk:
            desk.operator("sam", Role.SUPERVISOR)
            first, second = desk.stack.urls
            session = desk.login("sam", url=second)
            start = desk.api(session, "GET", "session").json()["cursor"]
            headers = desk.ws_headers(session)
            await asyncio.to_thread(deliver, first, handover("restart"))
            bodies = [incoming("restart", f"restart #{n}") for n in range(60)]
            events: list[dict] = []

            async def send_all() -> None:
                for n, body in enumerate(bodies):
                    if n == 20:
                        redis.stop()
                    if n == 35:
                        redis.start()
                    assert await asyncio.to_thread(deliver, first, body) == 200
                    await asyncio.sleep(0.05)

            sending = asyncio.create_task(send_all())
            await asyncio.wait_for(
                read_resuming(
                    desk,
                    headers,
                    start,
                    lambda got: message_count(got) >= len(bodies),
                    events,
                    url=second,
                ),
                timeout=90,
            )
            await sending
        cursors = [e["cursor"] for e in events]
        assert cursors == list(range(start + 1, start + len(events) + 1))
        texts = [
            e["data"]["message"]["text"] for e in events if e["type"] == "desk.message_created"
        ]
        assert sorted(texts) == sorted(b["data"]["message"]["text"] for b in bodies)
    finally:
        redis.stop()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_pushes_reach_the_sockets_again_once_the_channel_layer_is_back():
    """With the table read once a minute, a frame comes within seconds of its callback only by
    push: after Redis restarts, the processes' subscriptions must come back by themselves."""
    redis = RedisServer()
    redis.start()
    try:
        env = {"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0", "DESK_PUMP_SECONDS": "60"}
        with live_desk(env=env, ports=(0, 0)) as desk:
            desk.operator("sam", Role.SUPERVISOR)
            first, second = desk.stack.urls
            session = desk.login("sam", url=second)
            cursor = desk.api(session, "GET", "session").json()["cursor"]
            assert await asyncio.to_thread(deliver, first, handover("comeback")) == 200
            async with connect(
                desk.ws_url(cursor, url=second), additional_headers=desk.ws_headers(session)
            ) as ws:
                await next_event(ws, lambda e: e["type"] == "desk.conversation_queued")
                redis.stop()
                await asyncio.sleep(1)
                redis.start()
                pushed = False
                for n in range(15):
                    text = f"after the restart #{n}"
                    body = incoming("comeback", text)
                    assert await asyncio.to_thread(deliver, first, body) == 200
                    try:
                        await next_event(
                            ws,
                            lambda e, text=text: (
                                e["type"] == "desk.message_created"
                                and e["data"]["message"]["text"] == text
                            ),
                            timeout=3,
                        )
                    except TimeoutError:
                        continue  # this one's push was lost to the restart
                    pushed = True
                    break
                assert pushed
    finally:
        redis.stop()
