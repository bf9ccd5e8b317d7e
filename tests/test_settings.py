"""Settings come from the environment; a missing or malformed one stops start-up by name."""

import pytest

from tests.support.live import manage

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 50,
    "FROMNI_API_TOKEN": "token",
    "FROMNI_CALLBACK_SECRET": "secret",
}


def check_with(env: dict[str, str], drop: tuple[str, ...] = ()):
    return manage("check", env=env, unset=drop)


def test_production_settings_start_when_all_are_given():
    result = check_with(PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["SECRET_KEY", "FROMNI_API_TOKEN", "FROMNI_CALLBACK_SECRET"])
def test_missing_required_setting_is_named(name):
    env = {k: v for k, v in PRODUCTION.items() if k != name}
    result = check_with(env, drop=(name,))
    assert result.returncode != 0
    assert f"Setting {name} is required but not set." in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "foo://nowhere"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("FROMNI_BASE_URL", "api.fromni.com/user"),
        ("FROMNI_READ_TIMEOUT", "soon"),
        ("DESK_SEND_BATCH", "0"),
    ],
)
def test_malformed_setting_is_named(name, value):
    result = check_with({**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"Setting {name} is malformed" in result.stderr


def test_embedded_default_needs_no_settings_with_debug():
    names = ("DATABASE_URL", "REDIS_URL", *PRODUCTION)
    result = check_with({"DEBUG": "1"}, drop=names)
    assert result.returncode == 0, result.stderr


def channel_prefix(**env: str) -> str:
    shown = (
        "from django.conf import settings; "
        "print(settings.CHANNEL_LAYERS['default']['CONFIG']['prefix'])"
    )
    result = manage("shell", "-v", "0", "-c", shown, env={**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_desks_sharing_a_redis_server_use_channels_of_their_own():
    # Redis pub/sub ignores database numbers: events of one desk's database must not reach
    # another desk's sockets, whose cursors count another sequence.
    redis = "redis://127.0.0.1:6379/3"
    production = channel_prefix(DATABASE_URL="postgres://desk@db:5432/desk", REDIS_URL=redis)
    staging = channel_prefix(DATABASE_URL="postgres://desk@db:5432/staging", REDIS_URL=redis)
    elsewhere = channel_prefix(
        DATABASE_URL="postgres://desk@db:5432/desk", REDIS_URL="redis://127.0.0.1:6379/4"
    )
    assert len({production, staging, elsewhere}) == 3
    # Every process of one desk agrees, and an operator may set it.
    assert production == channel_prefix(
        DATABASE_URL="postgres://desk@db:5432/desk", REDIS_URL=redis
    )
    assert channel_prefix(REDIS_URL=redis, DESK_CHANNEL_PREFIX="eu1.") == "eu1."
