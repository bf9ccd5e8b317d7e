"""The login page and the desk page behind it."""

import pytest
from django.contrib.auth.models import User

from operators.roles import Role
from operators.services import operator_set_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent() -> User:
    return operator_set_up(username="anna", password="s3cret-pass", role=Role.AGENT)


def test_desk_redirects_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_renders_a_form(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_agent_logs_in_and_sees_the_desk(client, agent):
    response = client.post(
        "/accounts/login/", {"username": "anna", "password": "s3cret-pass"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert b'id="desk"' in response.content


def test_wrong_password_keeps_the_user_out(client, agent):
    response = client.post("/accounts/login/", {"username": "anna", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content
    assert client.get("/").status_code == 302


def test_operator_set_up_is_idempotent_and_sets_the_role():
    first = operator_set_up(username="sam", password="pw-one-123", role=Role.AGENT)
    second = operator_set_up(username="sam", password="pw-two-456", role=Role.SUPERVISOR)
    assert first.pk == second.pk
    assert list(second.groups.values_list("name", flat=True)) == ["supervisor"]
    assert second.check_password("pw-two-456")
    assert not second.is_staff
