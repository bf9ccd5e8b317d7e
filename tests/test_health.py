"""GET /healthz reports the database and the channel layer."""

import pytest
from django.test import override_settings

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
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
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
