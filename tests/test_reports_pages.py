"""Who may see the supervision pages and API, what taking over and reassigning from the
dashboard do, and the campaigns page against the sandbox platform (list, statistics from
`campaign_completed` or `campaigns/get`, the desk's notifications, platform errors)."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from contacts.models import Contact
from conversations.models import Conversation, ConversationState
from outreach.models import Notification
from realtime.models import Event

pytestmark = pytest.mark.django_db

PAGES = ["/reports/", "/reports/period/", "/reports/period.csv", "/reports/campaigns/"]
READS = ["/api/reports/dashboard", "/api/reports/period"]


@pytest.fixture
def conversation(db):
    def make(state=ConversationState.QUEUED, assignee=None) -> Conversation:
        n = Conversation.objects.count() + 1
        contact = Contact.objects.create(platform_id=f"contact{n}", name=f"User {n}")
        return Conversation.objects.create(
            platform_id=f"dialog{n}",
            contact=contact,
            channel="telegram",
            state=state,
            assignee=assignee,
            operator_mode_active=True,
        )

    return make


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [*READS, "/api/reports/conversations/1/take-over"])
def test_the_api_answers_anonymous_callers_401(client, url):
    method = client.post if url.endswith("take-over") else client.get
    assert method(url).status_code == 401


@pytest.mark.parametrize("url", PAGES + READS)
def test_agents_get_403(client, agent, url):
    client.force_login(agent)
    assert client.get(url).status_code == 403


def test_supervisors_and_admins_see_every_page(client, supervisor, admin_user, desk_platform):
    for user in (supervisor, admin_user):
        client.force_login(user)
        for url in PAGES + READS:
            assert client.get(url).status_code == 200, (user, url)


def test_the_dashboard_page_loads_its_module_without_inline_script(client, supervisor):
    client.force_login(supervisor)
    html = client.get("/reports/").content.decode()
    assert 'type="module" src="/static/reports/dashboard.js"' in html
    assert "<script>" not in html and " onclick=" not in html


def test_a_supervisor_takes_over_a_queued_conversation(client, supervisor, conversation):
    queued = conversation()
    client.force_login(supervisor)
    answer = client.post(f"/api/reports/conversations/{queued.pk}/take-over")
    assert answer.status_code == 200, answer.content
    queued.refresh_from_db()
    assert (queued.state, queued.assignee) == (ConversationState.ASSIGNED, supervisor)
    assert Event.objects.filter(type="desk.conversation_claimed").count() == 1
    assert AuditEntry.objects.filter(action="conversation.claim", actor=supervisor).exists()


def test_a_supervisor_takes_over_an_agents_conversation(client, supervisor, agent, conversation):
    held = conversation(ConversationState.ASSIGNED, assignee=agent)
    client.force_login(supervisor)
    answer = client.post(f"/api/reports/conversations/{held.pk}/take-over")
    assert answer.status_code == 200, answer.content
    assert answer.json()["conversation"]["assignee"]["id"] == supervisor.pk
    event = Event.objects.get(type="desk.conversation_transferred")
    assert (event.payload["fromUserId"], event.payload["byUserId"]) == (agent.pk, supervisor.pk)


def test_taking_over_a_finished_or_missing_conversation_is_refused(
    client, supervisor, conversation
):
    closed = conversation(ConversationState.CLOSED)
    client.force_login(supervisor)
    assert client.post(f"/api/reports/conversations/{closed.pk}/take-over").status_code == 409
    assert client.post("/api/reports/conversations/999999/take-over").status_code == 404


def test_agents_cannot_take_over(client, agent, other_agent, conversation):
    held = conversation(ConversationState.ASSIGNED, assignee=other_agent)
    client.force_login(agent)
    assert client.post(f"/api/reports/conversations/{held.pk}/take-over").status_code == 403
    held.refresh_from_db()
    assert held.assignee == other_agent


def test_the_dashboard_reassigns_through_the_desks_transfer(
    client, supervisor, agent, other_agent, conversation
):
    # The dashboard's "Reassign to" posts the desk's own transfer: a supervisor may move any
    # open conversation, queued or held by someone else.
    held, queued = conversation(ConversationState.ASSIGNED, agent), conversation()
    client.force_login(supervisor)
    for row in (held, queued):
        answer = client.post(
            f"/api/conversations/{row.pk}/transfer",
            {"toUserId": other_agent.pk},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        row.refresh_from_db()
        assert row.assignee == other_agent


# --- campaigns and notifications ------------------------------------------------------------

pytest_plugins = ["tests.support.contacts"]


def test_campaigns_show_final_and_running_statistics(
    client, supervisor, desk_platform, callback_receiver, post_callback
):
    finished = desk_platform.campaigns_launch(
        "Spring sale",
        [{"name": "telegram+sms"}],
        [{"Phone": "+79990000001"}, {"Phone": "no"}],
        template_id=3,
    )
    desk_platform.campaigns_launch(
        "Reminder", [{"name": "sms"}], [{"Phone": "+79990000002"}], template_id=3
    )
    completed = callback_receiver.wait_for_kind("campaign_completed", count=2)
    # Only the first one's callback reaches the desk: the other is read live from the platform.
    body = next(b for b in completed if b["data"]["id"] == finished)
    assert post_callback(body).status_code == 200
    Notification.objects.create(platform_id="n1", status="delivered", channel="vk")
    Notification.objects.create(
        platform_id="n2", status="error", channel="sms", status_details={"desc": "No phone"}
    )
    client.force_login(supervisor)
    html = client.get("/reports/campaigns/").content.decode()
    assert "Spring sale" in html and "Reminder" in html
    assert "final (completed" in html and "running (current)" in html
    assert "Delivered 1" in html and "Undelivered 1" in html
    assert "No phone" in html and "Notifications the desk sent (2)" in html


def test_a_platform_error_is_shown_in_the_platforms_words(
    client, supervisor, desk_platform, sandbox
):
    sandbox.control("POST", "/_sandbox/faults", {"path": "campaigns/list", "mode": "error500"})
    client.force_login(supervisor)
    response = client.get("/reports/campaigns/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="platform-error"' in html and "campaigns_list" in html


def test_the_desk_top_bar_links_supervisors_to_the_dashboard(client, supervisor, agent):
    client.force_login(supervisor)
    assert b'href="/reports/"' in client.get("/").content
    client.force_login(agent)
    assert b'href="/reports/"' not in client.get("/").content
