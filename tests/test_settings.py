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
