"""The account page: the platform's address, a token that is never shown, a connection test."""

import pytest

from tests.support.admin import fault, page_text
from tests.support.live import manage

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


def test_the_account_page_shows_the_address_and_only_the_end_of_the_token(admin_client, platform):
    text = page_text(admin_client.get("/admin/account"))
    assert platform.api_url in text
    assert platform.token not in text
    assert platform.token[-4:] in text
    assert "environment" in text or "DEBUG" in text


def test_the_connection_test_reports_the_platform_answering(admin_client, platform):
    response = admin_client.post("/admin/account/test")
    assert response.status_code == 200
    text = page_text(response)
    assert "Connected." in text
    assert "10 connections" in text  # the sandbox's seed


def test_the_connection_test_shows_the_platforms_error(admin_client, platform):
    fault(platform, "channels/connections", "error500")
    text = page_text(admin_client.post("/admin/account/test"))
    assert "Failed." in text
    assert "Internal server error (injected fault)" in text


def test_the_connection_test_shows_a_wrong_token(admin_client, platform, settings):
    settings.FROMNI_API_TOKEN = "not-the-token"
    text = page_text(admin_client.post("/admin/account/test"))
    assert "Failed." in text
    assert "Invalid token" in text
    assert "not-the-token" not in text


def test_the_connection_test_shows_an_unreachable_platform(admin_client, settings):
    settings.FROMNI_BASE_URL = "http://127.0.0.1:9/user"  # discard port: nothing listens
    text = page_text(admin_client.post("/admin/account/test"))
    assert "Failed." in text
    assert "could not connect" in text


@pytest.mark.django_db(False)
def test_the_token_can_come_from_a_secret_file(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("file-token-0123456789\n")
    token_file.chmod(0o600)
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.FROMNI_API_TOKEN, '|', settings.FROMNI_API_TOKEN_SOURCE)",
        env={"DEBUG": "1", "FROMNI_API_TOKEN_FILE": str(token_file)},
        unset=("FROMNI_API_TOKEN",),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"file-token-0123456789 | file {token_file}"


@pytest.mark.django_db(False)
def test_an_unreadable_secret_file_stops_start_up_by_name(tmp_path):
    result = manage("check", env={"DEBUG": "1", "FROMNI_API_TOKEN_FILE": str(tmp_path / "missing")})
    assert result.returncode != 0
    assert "Setting FROMNI_API_TOKEN_FILE is malformed" in result.stderr
