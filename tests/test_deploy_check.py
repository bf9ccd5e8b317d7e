"""Production settings pass Django's deployment checks, warnings included."""

import secrets

import pytest

from tests.support.live import manage

pytestmark = pytest.mark.django_db(False)


def production_env() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "desk.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
        "FROMNI_API_TOKEN": "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "FROMNI_CALLBACK_SECRET": secrets.token_urlsafe(32),
        "FROMNI_BASE_URL": "https://api.fromni.com/user",
    }


# Set by a developer's shell or by the test run itself; production must not inherit them.
DEV_ONLY = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE")


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(), unset=DEV_ONLY
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_production_defaults_are_the_secure_ones():
    code = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.SECURE_REDIRECT_EXEMPT)"
    )
    result = manage("shell", "-c", code, env=production_env(), unset=DEV_ONLY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True 31536000 True True True ('HTTP_X_FORWARDED_PROTO', 'https') ['^healthz$']"
    )


def test_a_weak_secret_key_fails_the_deploy_check():
    env = {**production_env(), "SECRET_KEY": "short"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env, unset=DEV_ONLY)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
