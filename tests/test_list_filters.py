"""GET /api/conversations' filters and orders: channel, connection, unread for the caller,
waiting in the queue longer than N minutes, window closing within N minutes; sort by longest
waiting, newest, window closing first, activity; keyset pages in each order; a bad value is a
400 naming the parameter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conversations.actions import conversation_claim
from conversations.models import Conversation, ConversationState
from conversations.read_marks import read_mark
from tests.support.fixtures import handover, incoming

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(post_callback):
    """Six queued conversations: (platform id, channel, connection, minutes queued, minutes
    of window left)."""
    now = timezone.now()
    rows = [
        ("tg-old", "telegram", 1, 50, 300),
        ("tg-new", "telegram", 2, 2, 8),
        ("wa-mid", "whatsapp", 1, 20, 3),
        ("wa-new", "whatsapp", 2, 1, 600),
        ("vk-old", "vk", 3, 90, 30),
        ("vk-new", "vk", 3, 5, 59),
    ]
    for platform_id, channel, connection, queued, left in rows:
        post_callback(
            handover(platform_id, channel=channel, connection_id=connection, expires_in=left * 60)
        )
        Conversation.objects.filter(platform_id=platform_id).update(
            queued_at=now - timedelta(minutes=queued)
        )
    return {c.platform_id: c for c in Conversation.objects.all()}


def listed(user, **params) -> list[str]:
    client = Client()
    client.force_login(user)
    answer = client.get("/api/conversations", {"state": "queued", **params})
    assert answer.status_code == 200, answer.content
    return [row["platformId"] for row in answer.json()["data"]]


def test_the_queue_is_filtered_by_channel_and_connection(queue, agent):
    assert listed(agent, channel="whatsapp") == ["wa-mid", "wa-new"]
    assert listed(agent, connection=3) == ["vk-old", "vk-new"]
    assert listed(agent, channel="telegram", connection=2) == ["tg-new"]
    assert listed(agent, channel="sms") == []


def test_waiting_longer_than_and_window_closing_within(queue, agent):
    assert listed(agent, waiting=20) == ["vk-old", "tg-old", "wa-mid"]
    assert listed(agent, closing=10) == ["wa-mid", "tg-new"]
    assert listed(agent, closing=60, waiting=10) == ["vk-old", "wa-mid"]


def test_the_sort_orders(queue, agent):
    assert listed(agent) == ["vk-old", "tg-old", "wa-mid", "vk-new", "tg-new", "wa-new"]
    assert listed(agent, sort="newest") == [
        "wa-new",
        "tg-new",
        "vk-new",
        "wa-mid",
        "tg-old",
        "vk-old",
    ]
    assert listed(agent, sort="closing") == [
        "wa-mid",
        "tg-new",
        "vk-old",
        "vk-new",
        "tg-old",
        "wa-new",
    ]


@pytest.mark.parametrize("sort", ["waiting", "newest", "closing", "activity"])
def test_keyset_pages_walk_every_order(queue, agent, sort):
    whole = listed(agent, sort=sort)
    client = Client()
    client.force_login(agent)
    seen, after = [], None
    while True:
        params = {
            "state": "queued",
            "sort": sort,
            "limit": 2,
            **({"after": after} if after else {}),
        }
        answer = client.get("/api/conversations", params).json()
        seen += [row["platformId"] for row in answer["data"]]
        after = answer["next"]
        if not after:
            break
    assert seen == whole and len(seen) == 6


def test_closing_first_puts_windows_of_unknown_end_last_across_pages(queue, agent):
    Conversation.objects.filter(platform_id="tg-old").update(expires_at=None)
    client = Client()
    client.force_login(agent)
    first = client.get("/api/conversations", {"state": "queued", "sort": "closing", "limit": 5})
    rest = client.get(
        "/api/conversations",
        {"state": "queued", "sort": "closing", "limit": 5, "after": first.json()["next"]},
    )
    assert [r["platformId"] for r in rest.json()["data"]] == ["tg-old"]


def test_unread_is_the_callers_own(queue, agent, other_agent, post_callback):
    for platform_id in ("tg-old", "wa-mid"):
        conversation_claim(conversation_id=queue[platform_id].pk, user=agent)
        post_callback(incoming(platform_id, "are you there?"))
    mine = queue["tg-old"]
    last = mine.messages.order_by("-id").first()
    read_mark(user=agent, conversation_id=mine.pk, message_id=last.pk)
    client = Client()
    client.force_login(agent)
    answer = client.get("/api/conversations", {"state": "mine", "unread": "true"}).json()
    assert [r["platformId"] for r in answer["data"]] == ["wa-mid"]
    assert answer["data"][0]["unread"] == 1
    assert Conversation.objects.get(platform_id="wa-mid").state == ConversationState.ASSIGNED


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"sort": "oldest"}, "sort"),
        ({"waiting": "ten"}, "waiting"),
        ({"waiting": "0"}, "waiting"),
        ({"closing": "-5"}, "closing"),
        ({"connection": "x"}, "connection"),
        ({"unread": "maybe"}, "unread"),
        ({"channel": "<script>"}, "channel"),
        ({"state": "everything"}, "state"),
        ({"limit": "1000"}, "limit"),
        ({"after": "garbage"}, "after"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_parameter(agent, params, parameter):
    client = Client()
    client.force_login(agent)
    answer = client.get("/api/conversations", params)
    assert answer.status_code == 400
    assert answer.json()["field"] == parameter
    assert parameter in answer.json()["message"]
