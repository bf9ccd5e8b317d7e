"""Personal quick replies beside the team's: every operator keeps their own (only they see,
change and delete them: another operator gets a 404), the team's stay with supervisors and
admins, and both come in the `/` picker (GET /api/templates), personal ones marked."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from desk.models import QuickReply
from outreach.templates import templates_forget

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, body: dict | None = None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def test_an_agent_keeps_their_own_and_sees_the_teams(agent, other_agent, supervisor):
    team = send(logged_in(supervisor), "post", "/api/quick-replies", {"name": "Hi", "text": "Hi!"})
    assert team.json()["quickReply"]["personal"] is False
    mine = send(
        logged_in(agent),
        "post",
        "/api/quick-replies",
        {"name": "My sign-off", "text": "Anna, support", "personal": True},
    )
    assert mine.status_code == 200, mine.content
    assert mine.json()["quickReply"]["personal"] is True
    reply_id = mine.json()["quickReply"]["id"]
    assert QuickReply.objects.get(pk=reply_id).owner == agent

    listed = logged_in(agent).get("/api/quick-replies").json()["data"]
    assert [(r["name"], r["personal"]) for r in listed] == [("My sign-off", True), ("Hi", False)]
    theirs = logged_in(other_agent).get("/api/quick-replies").json()["data"]
    assert [r["name"] for r in theirs] == ["Hi"]
    boss = logged_in(supervisor).get("/api/quick-replies").json()["data"]
    assert [r["name"] for r in boss] == ["Hi"]  # personal means personal, for supervisors too

    changed = send(
        logged_in(agent), "put", f"/api/quick-replies/{reply_id}", {"name": "Bye", "text": "Bye!"}
    )
    assert changed.json()["quickReply"]["text"] == "Bye!"
    assert changed.json()["quickReply"]["personal"] is True
    assert send(logged_in(agent), "delete", f"/api/quick-replies/{reply_id}").status_code == 200
    assert not QuickReply.objects.filter(pk=reply_id).exists()


def test_another_operator_gets_a_404_for_my_own(agent, other_agent, supervisor):
    reply = QuickReply.objects.create(title="Mine", text="secret wording", owner=agent)
    for user in (other_agent, supervisor):
        client = logged_in(user)
        put = send(client, "put", f"/api/quick-replies/{reply.pk}", {"name": "x", "text": "y"})
        assert put.status_code == 404
        assert send(client, "delete", f"/api/quick-replies/{reply.pk}").status_code == 404
    reply.refresh_from_db()
    assert (reply.title, reply.text) == ("Mine", "secret wording")


def test_the_teams_stay_with_supervisors_and_admins(agent, supervisor):
    team = QuickReply.objects.create(title="Team", text="Hello")
    client = logged_in(agent)
    refused = send(client, "put", f"/api/quick-replies/{team.pk}", {"name": "x", "text": "y"})
    assert refused.status_code == 403
    assert send(client, "delete", f"/api/quick-replies/{team.pk}").status_code == 403
    assert send(client, "post", "/api/quick-replies", {"name": "x", "text": "y"}).status_code == 403
    team.refresh_from_db()
    assert team.text == "Hello"
    boss = logged_in(supervisor)
    changed = send(boss, "put", f"/api/quick-replies/{team.pk}", {"name": "T", "text": "Hey"})
    assert changed.status_code == 200


def test_the_picker_offers_both_and_marks_mine(agent, other_agent):
    QuickReply.objects.create(title="Team", text="Hello")
    QuickReply.objects.create(title="Mine", text="Mine!", owner=agent)
    QuickReply.objects.create(title="Theirs", text="Theirs!", owner=other_agent)
    templates_forget()
    with override_settings(FROMNI_BASE_URL="http://127.0.0.1:9/user", FROMNI_CONNECT_TIMEOUT=0.5):
        body = logged_in(agent).get("/api/templates").json()
    assert [(t["name"], t["personal"]) for t in body["data"]] == [("Mine", True), ("Team", False)]


@pytest.mark.parametrize(
    "body", [{"name": "x", "text": "y", "personal": "maybe"}, {"name": ["x"], "text": "y"}]
)
def test_a_bad_body_is_a_400_naming_the_field(agent, body):
    answer = send(logged_in(agent), "post", "/api/quick-replies", body)
    assert answer.status_code == 400
    assert answer.json()["field"] in ("personal", "name")
