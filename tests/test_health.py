"""GET /healthz reports the database and the channel layer."""

import asyncio
import os
import uuid

import pytest
import redis
from django.test import override_settings

from operator_desk.health import _check_channel_layer
from tests.support.live import daphne, free_port, wait_until_answers
from tests.support.services import require

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


# The services pass (scripts/test-services.sh) sets REDIS_URL: this test runs against that Redis
# and fails if it does not answer. Without it, the embedded pass tries the usual local one.
CONFIGURED_REDIS_URL = os.environ.get("REDIS_URL")
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def test_repeated_checks_keep_one_subscription_on_the_pub_sub_layer():
    url = CONFIGURED_REDIS_URL
    if url is None:
        url = LOCAL_REDIS_URL
        require(_redis_answers(url), f"Redis at {url}")
    # A load balancer checks every few seconds for the life of the process. A prefix of this
    # run's own: other runs on the same Redis subscribe too (channels are server-wide).
    prefix = f"healthz-test-{uuid.uuid4().hex}."
    probes = redis.Redis.from_url(url)

    def subscribed() -> int:
        return len(probes.pubsub_channels(f"{prefix}specific.*"))

    assert subscribed() == 0
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url}], "prefix": prefix},
        }
    }

    async def check_often() -> int:
        for _ in range(5):
            await _check_channel_layer()
        return subscribed()

    with override_settings(CHANNEL_LAYERS=layers):
        assert asyncio.run(check_often()) == 1
