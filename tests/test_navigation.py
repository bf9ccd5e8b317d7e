"""Each area's navigation links to the other areas its reader's role opens, and to no other."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


AREAS = {"/": "desk", "/reports/": "supervision", "/contacts/": "contacts", "/admin/": "admin"}
NAV = {"/admin/": "admin-nav", "/reports/": "reports-nav", "/contacts/": "contacts-nav"}


def links(client, path: str) -> set[str]:
    """The other areas the page's own navigation links to."""
    html = client.get(path).content.decode()
    start = html.index(f'class="{NAV[path]}"')
    nav = html[start : html.index("</nav>", start)]
    hrefs = {part.split('"', 1)[0] for part in nav.split('href="')[1:]}
    return {AREAS[h] for h in hrefs if h in AREAS and h != path}


def test_an_admin_goes_between_administration_supervision_contacts_and_the_desk(client, admin_user):
    client.force_login(admin_user)
    assert links(client, "/admin/") == {"desk", "supervision", "contacts"}
    assert links(client, "/reports/") == {"desk", "contacts", "admin"}
    assert links(client, "/contacts/") == {"desk", "supervision", "admin"}


def test_a_supervisor_is_not_shown_the_way_to_administration(client, supervisor):
    client.force_login(supervisor)
    assert links(client, "/reports/") == {"desk", "contacts"}
    assert links(client, "/contacts/") == {"desk", "supervision"}
