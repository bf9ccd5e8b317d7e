"""A desk on two hosts (issue #19, point 5): the process set of deploy/Procfile (daphne, the
applier, reply workers, the background worker, the clock) on each of two network namespaces
of the test's own making (tests/support/netns.py). PostgreSQL, Redis and the platform are on
the services side of a bridge, reached over it, never over loopback: no process can lean on
another host's loopback doorbell.

The platform sends its callbacks to host B; the operators use host A. Then host A goes away
(every process of its namespace SIGKILLed, nobody restarts them) while callbacks and replies
are in flight: the supervisor's page goes on with host B from its cursor, every callback is
applied once, every reply the desk took is sent once.

Runs in the services pass (the desk on several hosts needs a shared database; the test has a
PostgreSQL and a Redis of its own there, on the bridge), as root with iproute2.
"""

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable

import pytest
import requests

from operators.roles import Role
from tests.support.live import until
from tests.support.live_desk import (
    LiveDesk,
    claimed_conversation,
    live_desk_on_hosts,
    reply_states,
)
from tests.support.live_sockets import read_resuming
from tests.support.netns import Network, netns_unavailable
from tests.support.servers import PostgresCluster, RedisServer, postgres_available
from tests.support.services import require

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the PostgreSQL pass: a desk on several hosts shares a PostgreSQL database",
    ),
]

DONE = ("sent", "delivered", "read")
# The load while host A goes away: user messages through the platform (callbacks to host B)
# and replies through host A's API, for LOAD_SECONDS; host A is killed half-way.
LOAD_SECONDS = 4.0
USER_MESSAGES_PER_SECOND = 15
REPLIES_PER_SECOND = 8


@pytest.fixture
def two_hosts():
    unavailable = netns_unavailable()
    if unavailable:
        pytest.skip(f"two hosts of the test's own: {unavailable}")
    require(postgres_available(), "PostgreSQL's binaries, to run a cluster on the test's network")
    with Network(hosts=2) as network:
        a, b = network.hosts
        cluster = PostgresCluster(host=network.services_address, clients=network.cidr)
        redis = RedisServer(host=network.services_address)
        with cluster, contextlib.ExitStack() as servers:
            redis.start()
            servers.callback(redis.stop)
            with live_desk_on_hosts(
                network.hosts,
                platform_host=network.services_address,
                database=cluster.url("desk"),
                redis_url=redis.url,
                callbacks_to=b,
            ) as desks:
                yield network, desks


def user_writes(desk: LiveDesk, dialog: str, texts: list[str], per_second: float) -> None:
    """The user writes each text to the platform, which calls the desk back (host B)."""
    start = time.monotonic()
    for n, text in enumerate(texts):
        time.sleep(max(0.0, start + n / per_second - time.monotonic()))
        desk.sandbox.control("POST", f"/_sandbox/conversations/{dialog}/messages", {"text": text})


def signed_in_on(session: requests.Session, addresses: list[str]) -> None:
    """The session's cookies sent to each of those hosts too (a balancer in front of them would
    give the page one origin for all)."""
    for cookie in list(session.cookies):
        for address in addresses:
            session.cookies.set(cookie.name, cookie.value, domain=address, path=cookie.path)


def reply_through(
    session: requests.Session, urls: list[str], conversation_id: int, text: str
) -> bool:
    """An operator's reply as the page sends it: through the first host that answers, the same
    client key each time (a request cut by its host going away may have been taken)."""
    for url in urls:
        with contextlib.suppress(requests.RequestException):
            response = session.post(
                f"{url}/api/conversations/{conversation_id}/replies",
                json={"text": text, "clientKey": text},
                headers={"Referer": f"{url}/"},  # the page of the host it is sent to
                timeout=10,
            )
            if response.status_code == 200:
                return True
    return False


def replies_at_rate(
    session: requests.Session,
    urls: list[str],
    conversation_id: int,
    texts: list[str],
    per_second: float,
    on_the_way: Callable[[int], None] = lambda n: None,
) -> list[str]:
    """The texts the desk took, at `per_second`; `on_the_way(n)` before the n-th."""
    taken = []
    start = time.monotonic()
    for n, text in enumerate(texts):
        time.sleep(max(0.0, start + n / per_second - time.monotonic()))
        on_the_way(n)
        if reply_through(session, urls, conversation_id, text):
            taken.append(text)
    return taken


def incoming_texts(events: list[dict]) -> list[str]:
    return [
        e["data"]["message"]["text"]
        for e in events
        if e["type"] == "desk.message_created" and e["data"]["message"]["kind"] == "incoming"
    ]


def platform_got(desk: LiveDesk, dialog: str) -> Counter:
    """The operators' messages the platform received in the dialog, each with its count."""
    received = desk.sandbox.control("GET", f"/_sandbox/conversations/{dialog}/messages")
    return Counter(m["text"] for m in received["data"])


async def test_a_desk_on_two_hosts_is_one_desk_and_a_host_going_away_loses_nothing(two_hosts):
    network, (a, b) = two_hosts
    host_a = network.hosts[0]
    a.operators({"sam": Role.SUPERVISOR, "anna": Role.AGENT})
    sam, anna = a.login("sam"), a.login("anna")
    signed_in_on(anna, [host.address for host in network.hosts])
    start = a.api(sam, "GET", "session").json()["cursor"]
    # The hand-over reached host B; Anna sees and claims it on host A.
    started, conversation_id = claimed_conversation(a, anna)
    dialog = started["id"]
    events: list[dict] = []
    headers = a.ws_headers(sam)

    # Both hosts up: what is applied on either reaches Sam's page on host A, with no gap, and
    # the replies Anna sends through host A reach the platform once each.
    before = [f"before {n}" for n in range(10)]
    await asyncio.to_thread(user_writes, a, dialog, before, USER_MESSAGES_PER_SECOND)
    answers = [f"answer {n}" for n in range(5)]
    taken = await asyncio.to_thread(
        replies_at_rate, anna, [a.url], conversation_id, answers, REPLIES_PER_SECOND
    )
    assert taken == answers
    await read_resuming(
        a, headers, start, lambda got: set(incoming_texts(got)) >= set(before), events
    )
    await asyncio.to_thread(
        until,
        lambda: all(s in DONE for s in reply_states(anna, a, conversation_id).values()),
        timeout=30,
    )
    assert platform_got(a, dialog) == Counter(answers)

    # Host A goes away half-way through a load of callbacks (to B) and replies (through A).
    during = [f"during {n}" for n in range(int(LOAD_SECONDS * USER_MESSAGES_PER_SECOND))]
    replies = [f"reply {n}" for n in range(int(LOAD_SECONDS * REPLIES_PER_SECOND))]
    killed: list[int] = []
    anna_on_b = b.login("anna")
    at_the_kill: Counter = Counter()

    def kill_host_a_half_way(n: int) -> None:
        if n == len(replies) // 2:
            a.stack.unsupervise()
            killed.append(host_a.kill_all())
            at_the_kill.update(reply_states(anna_on_b, b, conversation_id).values())

    # The platform takes each reply, then takes its time to answer: sends are under way (and
    # others of the dialog wait their turn) when the host goes away.
    a.sandbox.control(
        "POST",
        "/_sandbox/faults",
        {
            "path": "conversations/send",
            "mode": "timeout",
            "count": 12,
            "delaySeconds": 0.5,
            "after": True,
        },
    )
    after_the_end = "after the end"
    reading = asyncio.create_task(
        read_resuming(
            a,
            headers,
            start,
            lambda got: after_the_end in incoming_texts(got),
            events,
            a.url,
            others=[b.url],
        )
    )
    writing = asyncio.to_thread(user_writes, a, dialog, during, USER_MESSAGES_PER_SECOND)
    replying = asyncio.to_thread(
        replies_at_rate,
        anna,
        [a.url, b.url],
        conversation_id,
        replies,
        REPLIES_PER_SECOND,
        kill_host_a_half_way,
    )
    _, taken = await asyncio.gather(writing, replying)
    assert killed == [len(a.stack.children)]  # the whole process set of host A
    await asyncio.to_thread(
        until,
        lambda: (
            states := reply_states(anna_on_b, b, conversation_id),
            all(states.get(text) in DONE for text in answers + taken),
        )[1],
        timeout=60,
        interval=0.5,
    )
    await asyncio.to_thread(user_writes, b, dialog, [after_the_end], 1)
    reconnects = await asyncio.wait_for(reading, 60)
    print(
        f"\nhost A ({killed[0]} processes) killed with replies {dict(at_the_kill)}; "
        f"{len(taken)} replies taken; the page connected again {reconnects} times; "
        f"{len(events)} events"
    )

    # Every callback applied once, on the page and in the conversation.
    written = before + during + [after_the_end]
    assert sorted(incoming_texts(events)) == sorted(written)
    detail = b.api(anna_on_b, "GET", f"conversations/{conversation_id}").json()
    stored = [m["text"] for m in detail["messages"] if m["kind"] == "incoming"]
    assert sorted(t for t in stored if t in written) == sorted(written)
    # Sam's page went on with host B from its cursor: every event once, none missing.
    cursors = [e["cursor"] for e in events]
    assert cursors == list(range(start + 1, start + len(events) + 1))
    assert reconnects >= 1
    # Every reply the desk took was sent once; those it did not take were not sent at all.
    assert len(taken) == len(replies), set(replies) - set(taken)
    assert platform_got(b, dialog) == Counter(answers + taken)
