"""GET /healthz reports the database and the channel layer."""

import asyncio
import os

import pytest
import redis
from django.test import override_settings

from operator_desk.health import _check_channel_layer
from tests.support.live import daphne, free_port, wait_until_answers

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_channel_layer_work(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["channel_layer"]["ok"] is True


@override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0"}]},
        }
    }
)
def test_healthz_is_503_when_the_channel_layer_is_unreachable(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["channel_layer"]["ok"] is False
    assert body["channel_layer"]["error"]
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_unreachable():
    port = free_port()
    server = daphne(port, {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})
    try:
        # The database check gives up after CHECK_TIMEOUT (the pool keeps trying meanwhile).
        response = wait_until_answers(
            f"http://127.0.0.1:{port}/healthz", process=server.process, read_timeout=10
        )
        assert response.status_code == 503, server.output()
        body = response.json()
        assert body["database"]["ok"] is False
        assert body["channel_layer"]["ok"] is True
    finally:
        server.stop()


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1")
def test_repeated_checks_keep_one_subscription_on_the_pub_sub_layer():
    # A load balancer checks every few seconds for the life of the process.
    probes = redis.Redis.from_url(REDIS_URL)

    def subscribed() -> int:
        return len(probes.pubsub_channels("asgispecific.*"))

    before = subscribed()
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL}]},
        }
    }

    async def check_often() -> int:
        for _ in range(5):
            await _check_channel_layer()
        return subscribed()

    with override_settings(CHANNEL_LAYERS=layers):
        assert asyncio.run(check_often()) == before + 1
