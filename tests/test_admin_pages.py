"""Every admin page renders for an admin with nothing the Content-Security-Policy would block:
no inline script, no inline event handler, no inline style."""

import re

import pytest

from administration.services import team_add
from tests.support.admin import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "an inline style"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_every_admin_page_renders_without_inline_script_or_style(
    admin_client, admin_user, agent, platform
):
    team_add(actor=admin_user, name="Sales")
    pages = [
        "/admin/",
        "/admin/account",
        "/admin/callback",
        "/admin/connections",
        "/admin/connections/2",
        "/admin/templates",
        "/admin/templates/1",
        "/admin/operators",
        f"/admin/operators/{agent.pk}",
        "/admin/audit",
    ]
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        text = page_text(response)
        for pattern, what in INLINE:
            assert not pattern.search(text), f"{path} has {what}: {pattern.search(text).group(0)}"


def test_agents_and_supervisors_get_a_403_page_and_anonymous_visitors_the_login(
    client, agent, supervisor
):
    assert client.get("/admin/operators")["Location"].startswith("/accounts/login/?next=")
    for user in (agent, supervisor):
        client.force_login(user)
        response = client.get("/admin/operators")
        assert response.status_code == 403
        assert "Only admins configure the desk" in page_text(response)


def test_admins_see_a_link_to_the_administration_on_the_desk(client, admin_user, agent):
    client.force_login(admin_user)
    assert 'href="/admin/"' in page_text(client.get("/"))
    client.force_login(agent)
    assert 'href="/admin/"' not in page_text(client.get("/"))
