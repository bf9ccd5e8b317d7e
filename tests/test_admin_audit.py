"""The audit log page: who did what to what, when; filtered by actor, action, target and period."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from callbacks.services import callback_receive
from conversations.models import Conversation
from tests.support.fixtures import handover, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(agent, other_agent, admin_user):
    now = timezone.now()
    entries = [
        (agent, "conversation.claim", "conversation:1", now - timedelta(days=3)),
        (agent, "conversation.reply", "conversation:1", now - timedelta(days=2)),
        (other_agent, "conversation.transfer", "conversation:2", now - timedelta(days=1)),
        (admin_user, "template.update", "template:3", now),
        (admin_user, "callback.rotate", "setting:callback", now),
    ]
    for actor, action, target, at in entries:
        audit_record(actor=actor, action=action, target=target)
        AuditEntry.objects.filter(pk=AuditEntry.objects.latest("id").pk).update(at=at)
    return now


def listed(admin_client, **filters) -> list[tuple[str, str]]:
    response = admin_client.get("/admin/audit", filters)
    assert response.status_code == 200, response.content
    return [(e.action, e.target) for e in response.context["page"].object_list]


def test_the_log_lists_everything_newest_first(admin_client, log):
    rows = listed(admin_client)
    assert rows[-1] == ("conversation.claim", "conversation:1")
    assert len(rows) == 5


def test_filtering_by_actor(admin_client, log, agent):
    assert listed(admin_client, actor=agent.pk) == [
        ("conversation.reply", "conversation:1"),
        ("conversation.claim", "conversation:1"),
    ]


def test_filtering_by_action_or_family(admin_client, log):
    assert listed(admin_client, action="conversation.transfer") == [
        ("conversation.transfer", "conversation:2")
    ]
    assert {a for a, _ in listed(admin_client, action="conversation.")} == {
        "conversation.claim",
        "conversation.reply",
        "conversation.transfer",
    }


def test_filtering_by_target(admin_client, log):
    assert {a for a, _ in listed(admin_client, target="conversation:1")} == {
        "conversation.claim",
        "conversation.reply",
    }


def test_filtering_by_period(admin_client, log):
    since = (log - timedelta(days=2)).date().isoformat()
    until = (log - timedelta(days=1)).date().isoformat()
    assert listed(admin_client, since=since, until=until) == [
        ("conversation.transfer", "conversation:2"),
        ("conversation.reply", "conversation:1"),
    ]


def test_a_backwards_period_is_an_error_shown_on_the_form(admin_client, log):
    response = admin_client.get("/admin/audit", {"since": "2030-01-02", "until": "2030-01-01"})
    assert response.status_code == 400
    assert "ends before it starts" in response.content.decode()


def test_the_page_shows_who_and_when(admin_client, log):
    text = admin_client.get("/admin/audit").content.decode()
    assert "callback.rotate" in text and "setting:callback" in text and ">admin<" in text
    assert log.strftime("%Y-%m-%d") in text


def test_pages_keep_the_filter(admin_client, agent):
    for n in range(60):
        audit_record(actor=agent, action="conversation.claim", target=f"conversation:{n}")
    first = admin_client.get("/admin/audit", {"action": "conversation.claim"})
    assert len(first.context["page"].object_list) == 50
    assert "action=conversation.claim&amp;page=2" in first.content.decode()
    second = admin_client.get("/admin/audit", {"action": "conversation.claim", "page": 2})
    assert len(second.context["page"].object_list) == 10


def test_a_desk_action_appears_with_its_operator(admin_client, agent):
    callback_receive(body=signed(handover("audited")))
    conversation = Conversation.objects.get(platform_id="audited")
    desk = Client()
    desk.force_login(agent)
    assert desk.post(f"/api/conversations/{conversation.pk}/claim").status_code == 200
    assert listed(admin_client, actor=agent.pk) == [
        ("conversation.claim", f"conversation:{conversation.pk}")
    ]
