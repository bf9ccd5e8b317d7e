"""The admin's labels page (issue 17): define, rename, recolour and delete labels."""

from __future__ import annotations

import pytest

from conversations.models import ConversationLabel, Label
from realtime.models import Event
from tests.support.admin import page_text
from tests.support.clients import logged_in, posted

pytest_plugins = ["tests.support.triage"]
pytestmark = pytest.mark.django_db


def test_an_admin_defines_labels_in_russian_and_english(admin_client):
    answer = admin_client.post(
        "/admin/labels", {"name": "Возврат", "colour": "teal", "description": "Просит вернуть"}
    )
    assert answer.status_code == 302
    admin_client.post("/admin/labels", {"name": "Billing", "colour": "green"})
    page = admin_client.get("/admin/labels")
    assert page.status_code == 200
    text = page_text(page)
    assert "Возврат" in text and "Billing" in text and "Просит вернуть" in text
    assert [(x.name, x.colour) for x in Label.objects.all()] == [
        ("Billing", "green"),
        ("Возврат", "teal"),
    ]
    assert b'data-colour="teal"' in page.content


def test_a_name_taken_in_another_case_is_refused_on_the_form(admin_client, label):
    label("Возврат", "teal")
    answer = admin_client.post("/admin/labels", {"name": "ВОЗВРАТ", "colour": "red"})
    assert answer.status_code == 400
    assert "There is a label named" in page_text(answer)
    assert Label.objects.count() == 1


def test_a_colour_outside_the_palette_is_refused(admin_client):
    answer = admin_client.post("/admin/labels", {"name": "Neon", "colour": "#39ff14"})
    assert answer.status_code == 400
    assert not Label.objects.exists()


def test_renaming_shows_on_the_desks_and_deleting_takes_it_off(
    admin_client, supervisor, queued, label
):
    vip = label("VIP", "purple")
    conversation = queued("adm1")
    posted(
        logged_in(supervisor), f"/api/conversations/{conversation.pk}/labels", {"labelId": vip.pk}
    )
    assert "On 1 conversation." in page_text(admin_client.get(f"/admin/labels/{vip.pk}"))
    saved = admin_client.post(f"/admin/labels/{vip.pk}", {"name": "Важный", "colour": "red"})
    assert saved.status_code == 302
    assert Event.objects.filter(type="desk.label_saved").last().payload["label"]["name"] == "Важный"
    row = logged_in(supervisor).get("/api/conversations?state=queued").json()["data"][0]
    assert [(x["name"], x["colour"]) for x in row["labels"]] == [("Важный", "red")]
    deleted = admin_client.post(f"/admin/labels/{vip.pk}/delete")
    assert deleted.status_code == 302
    assert not Label.objects.exists() and not ConversationLabel.objects.exists()
