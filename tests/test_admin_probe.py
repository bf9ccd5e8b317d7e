"""The account page's probe button and `manage.py fromni_probe`: the same read-only probe of the
configured account (fromni.probe), shown per path and per reading, and audited."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from audit.models import AuditEntry
from fromni.methods import METHODS
from fromni.probe import READ_ONLY
from tests.support.admin import page_text, requests_to

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]

READ_PATHS = {m.path for m in METHODS.values() if m.retry_safe}


def test_the_button_shows_the_report_and_is_audited(admin_client, platform, admin_user):
    response = admin_client.post("/admin/account/probe")
    assert response.status_code == 200
    text = page_text(response)
    for name in READ_ONLY:
        assert f"<code>{METHODS[name].path}</code>" in text
    assert "fits the models" in text and "Readings of the reference" in text
    assert "the desk's default reading" in text
    entry = AuditEntry.objects.get(action="platform.probe")
    assert entry.actor == admin_user and entry.details["via"] == "account page"
    assert entry.details["paths"]["channels/connections"] == "answered"
    logged = platform.control("GET", "requests")["data"]
    assert {r["path"] for r in logged} <= READ_PATHS


def test_the_page_shows_a_renamed_path_and_the_other_readings(admin_client, platform):
    platform.control(
        "POST",
        "variants",
        {"renamedPaths": {"events/list": "events/all"}, "whatsappName": "whatsapp"},
    )
    text = page_text(admin_client.post("/admin/account/probe"))
    assert "not found" in text and "Unknown method &#x27;events/list&#x27;" in text
    assert "<strong>the other reading</strong>" in text
    assert "Not every path answered as expected" in text


def test_only_admins_probe_and_only_by_post(client, agent, admin_client, platform):
    client.force_login(agent)
    assert client.post("/admin/account/probe").status_code == 403
    assert admin_client.get("/admin/account/probe").status_code == 405
    assert requests_to(platform, "callback/get") == []
    assert not AuditEntry.objects.exists()


def test_the_command_reports_the_same_and_knows_the_desks_last_reply(platform, settings):
    out = io.StringIO()
    call_command("fromni_probe", stdout=out)
    text = out.getvalue()
    assert f"Probe of {platform.api_url}" in text
    assert "channels/connections" in text and "answered" in text
    entry = AuditEntry.objects.get(action="platform.probe")
    assert entry.actor is None and entry.details["via"] == "command"

    out = io.StringIO()
    call_command("fromni_probe", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert {p["path"] for p in payload["paths"]} == {METHODS[n].path for n in READ_ONLY}
    assert {r["key"] for r in payload["readings"]} >= {"nulls", "ids", "whatsapp"}


def test_a_wrong_token_is_reported_per_path(admin_client, platform, settings):
    settings.FROMNI_API_TOKEN = "not-the-token"
    text = page_text(admin_client.post("/admin/account/probe"))
    assert text.count("<td>unauthorised</td>") == len(READ_ONLY)
    assert "not-the-token" not in text
