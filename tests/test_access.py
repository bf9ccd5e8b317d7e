"""The one role gate (operators/access.py): ranked roles, the same rule for pages and the API,
one 403 page that says who the page is for. tests/test_permissions.py tries every route."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client

from operators.access import role_reaches
from operators.roles import Role

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_role_reaches_its_own_rank_and_those_below():
    reached = {(role, least) for role in Role for least in Role if role_reaches(role, least)}
    assert reached == {
        (Role.AGENT, Role.AGENT),
        (Role.SUPERVISOR, Role.AGENT),
        (Role.SUPERVISOR, Role.SUPERVISOR),
        (Role.ADMIN, Role.AGENT),
        (Role.ADMIN, Role.SUPERVISOR),
        (Role.ADMIN, Role.ADMIN),
    }
    assert not any(role_reaches(None, least) for least in Role)


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/contacts/", "Only supervisors and admins open this page."),
        ("/reports/", "Only supervisors and admins open this page."),
        ("/reports/period/", "Only supervisors and admins open this page."),
        ("/admin/", "Only admins configure the desk."),
    ],
)
def test_a_page_above_the_callers_role_is_the_one_403_page_saying_who_it_is_for(agent, path, says):
    answer = _client(agent).get(path)
    assert answer.status_code == 403
    assert "Not allowed" in answer.content.decode() and says in answer.content.decode()
    assert "Back to the desk" in answer.content.decode()


def test_the_403_page_speaks_the_callers_language(agent):
    client = _client(agent)
    client.post("/i18n/setlang/", {"language": "ru"})
    answer = client.get("/reports/")
    assert answer.status_code == 403
    assert "Нет доступа" in answer.content.decode()


def test_a_signed_in_user_without_a_role_is_refused_by_pages_and_api_alike():
    """Not an operator (e.g. a role taken away): the desk page is the 403 page, not an empty
    desk whose every request fails; the API says 401 as for anonymous callers."""
    nobody = User.objects.create_user(username="nobody", password="x-12345-y")
    client = _client(nobody)
    page = client.get("/")
    assert page.status_code == 403
    assert "Only operators open this page." in page.content.decode()
    answer = client.get("/api/session")
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthenticated")


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    for path in ("/", "/contacts/", "/reports/campaigns/", "/admin/operators"):
        answer = client.get(path + "?x=1")
        assert answer.status_code == 302
        where = urlsplit(answer["Location"])
        assert (where.path, parse_qs(where.query)["next"]) == ("/accounts/login/", [path + "?x=1"])


def test_everyone_reads_the_quick_replies_and_only_supervisors_write_them(agent, supervisor):
    assert _client(agent).get("/api/quick-replies").status_code == 200
    refused = _client(agent).post(
        "/api/quick-replies", {"name": "Hi", "text": "Hello"}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    taken = _client(supervisor).post(
        "/api/quick-replies", {"name": "Hi", "text": "Hello"}, content_type="application/json"
    )
    assert taken.status_code == 200, taken.content


def test_an_unknown_report_dimension_is_said_on_the_page_not_taken_as_operator(supervisor):
    page = _client(supervisor).get("/reports/period/?by=team")
    assert page.status_code == 400
    text = page.content.decode()
    assert "by must be one of operator, channel, connection or label." in text
    assert "Showing the report by operator instead." in text
    good = _client(supervisor).get("/reports/period/?by=channel")
    assert good.status_code == 200
