"""Labels (issue 17): the catalogue admins keep, the labels operators put on conversations and
take off, each audited with its event, and the lists filtered by label."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from audit.models import AuditEntry
from conversations.actions import conversation_claim
from conversations.labels import label_delete, label_update
from conversations.models import ConversationLabel, LabelColour
from operator_desk.errors import Conflict, Invalid
from realtime.models import Event
from tests.support.clients import logged_in, posted

pytest_plugins = ["tests.support.triage"]
pytestmark = pytest.mark.django_db


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", LabelColour)
def test_every_palette_colour_keeps_white_text_at_wcag_aa_contrast(colour):
    contrast = 1.05 / (_luminance(colour.label) + 0.05)
    assert contrast >= 4.5, f"{colour.value} {colour.label}: {contrast:.2f}"


def test_the_stylesheet_paints_each_palette_colour_as_the_model_says():
    css = (Path(settings.BASE_DIR) / "static" / "labels.css").read_text()
    painted = dict(
        re.findall(r'\[data-colour="(\w+)"\]\s*\{[^}]*background:\s*(#[0-9A-Fa-f]{6})', css)
    )
    assert painted == {colour.value: colour.label for colour in LabelColour}


def test_names_are_unique_case_insensitively_in_russian_and_english(label, admin_user):
    label("Срочно", "red")
    label("Billing", "green")
    with pytest.raises(Conflict):
        label("СРОЧНО", "blue")
    with pytest.raises(Conflict):
        label("  billing ", "blue")
    other = label("Возврат", "teal")
    with pytest.raises(Conflict):
        label_update(actor=admin_user, label_id=other.pk, name="срочно", colour="teal")


def test_a_label_needs_a_name_and_a_palette_colour(label):
    with pytest.raises(Invalid) as no_name:
        label("   ", "red")
    assert no_name.value.details == {"field": "name"}
    with pytest.raises(Invalid) as no_colour:
        label("VIP", "#ff0000")
    assert no_colour.value.details == {"field": "colour"}


def test_catalogue_changes_are_audited_and_told_to_every_desk(label, admin_user):
    vip = label("VIP", "purple", "Paying customers")
    label_update(actor=admin_user, label_id=vip.pk, name="VIP+", colour="pink")
    label_delete(actor=admin_user, label_id=vip.pk)
    assert list(
        AuditEntry.objects.filter(target=f"label:{vip.pk}")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["label.create", "label.update", "label.delete"]
    events = list(Event.objects.filter(type__startswith="desk.label_").order_by("id"))
    assert [(e.type, e.audience_user_id) for e in events] == [
        ("desk.label_saved", None),
        ("desk.label_saved", None),
        ("desk.label_deleted", None),
    ]
    assert events[1].payload["label"]["name"] == "VIP+"
    assert events[2].payload == {"labelId": vip.pk}


def test_an_operator_labels_a_queued_conversation_once_with_one_event(agent, queued, label):
    conversation = queued("lab1")
    billing = label("Billing", "green")
    client = logged_in(agent)
    first = posted(client, f"/api/conversations/{conversation.pk}/labels", {"labelId": billing.pk})
    again = posted(client, f"/api/conversations/{conversation.pk}/labels", {"labelId": billing.pk})
    assert first.status_code == again.status_code == 200
    assert [x["name"] for x in again.json()["conversation"]["labels"]] == ["Billing"]
    events = Event.objects.filter(type="desk.conversation_labels_changed")
    assert [(e.payload["added"], e.payload["byUserId"]) for e in events] == [(billing.pk, agent.pk)]
    assert events[0].payload["conversation"]["labels"][0]["colour"] == "green"
    assert AuditEntry.objects.filter(action="conversation.label_add").count() == 1
    assert ConversationLabel.objects.get().added_by == agent


def test_removing_a_label_is_audited_with_its_event(agent, queued, label):
    conversation = queued("lab2")
    billing = label("Billing")
    client = logged_in(agent)
    posted(client, f"/api/conversations/{conversation.pk}/labels", {"labelId": billing.pk})
    response = client.delete(f"/api/conversations/{conversation.pk}/labels/{billing.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["conversation"]["labels"] == []
    assert (
        Event.objects.filter(type="desk.conversation_labels_changed").last().payload["removed"]
        == billing.pk
    )
    assert AuditEntry.objects.filter(action="conversation.label_remove").count() == 1


def test_an_agent_cannot_label_a_colleagues_conversation_but_a_supervisor_can(
    agent, other_agent, supervisor, queued, label
):
    conversation = queued("lab3")
    conversation_claim(conversation_id=conversation.pk, user=other_agent)
    vip = label("VIP")
    refused = posted(
        logged_in(agent), f"/api/conversations/{conversation.pk}/labels", {"labelId": vip.pk}
    )
    assert refused.status_code == 404
    allowed = posted(
        logged_in(supervisor), f"/api/conversations/{conversation.pk}/labels", {"labelId": vip.pk}
    )
    assert allowed.status_code == 200
    assert ConversationLabel.objects.filter(conversation=conversation).count() == 1


def test_an_unknown_label_is_a_clear_400_and_changes_nothing(agent, queued):
    conversation = queued("lab4")
    response = posted(
        logged_in(agent), f"/api/conversations/{conversation.pk}/labels", {"labelId": 999}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "labelId"
    assert not Event.objects.filter(type="desk.conversation_labels_changed").exists()


def test_the_lists_filter_by_label(supervisor, queued, label):
    tagged, other, plain = queued("f1"), queued("f2"), queued("f3")
    billing, vip = label("Billing"), label("VIP")
    client = logged_in(supervisor)
    posted(client, f"/api/conversations/{tagged.pk}/labels", {"labelId": billing.pk})
    posted(client, f"/api/conversations/{other.pk}/labels", {"labelId": vip.pk})
    for state in ("queued", "open"):
        rows = client.get(f"/api/conversations?state={state}&label={billing.pk}").json()["data"]
        assert [r["id"] for r in rows] == [tagged.pk]
    everything = client.get("/api/conversations?state=queued").json()["data"]
    assert {r["id"] for r in everything} == {tagged.pk, other.pk, plain.pk}
    assert client.get("/api/conversations?label=0").status_code == 400


def test_deleting_a_label_takes_it_off_its_conversations(admin_user, supervisor, queued, label):
    conversation = queued("del1")
    vip = label("VIP")
    posted(
        logged_in(supervisor), f"/api/conversations/{conversation.pk}/labels", {"labelId": vip.pk}
    )
    label_delete(actor=admin_user, label_id=vip.pk)
    assert not ConversationLabel.objects.exists()
    row = logged_in(supervisor).get("/api/conversations?state=queued").json()["data"][0]
    assert row["labels"] == []


def test_the_desk_reads_the_catalogue_by_name(agent, label):
    label("Возврат", "teal", "Просит вернуть деньги")
    label("Billing", "green")
    body = logged_in(agent).get("/api/labels").json()
    assert [(x["name"], x["colour"]) for x in body["data"]] == [
        ("Billing", "green"),
        ("Возврат", "teal"),
    ]
