"""The contact mirror kept by the platform's callbacks: contact_created (an array),
contact_updated (the whole contact), contact_merged; stale updates; variables with types."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contacts.models import Contact, Variable
from contacts.selectors import contact_by_platform_id
from conversations.models import Conversation, Message, MessageKind
from outreach.models import Notification
from realtime.models import Event
from tests.support.fixtures import handover, sample

pytestmark = pytest.mark.django_db

CITY = {"id": "60b7f9b6163fec0007ecdaf0", "name": "City", "validateAs": "STRING"}
ORDERS = {"id": "60b7f9b6163fec0007ecdaf1", "name": "Orders", "validateAs": "NUMBER"}
VISIT = {"id": "60b7f9b6163fec0007ecdaf2", "name": "Last visit", "validateAs": "DATE"}


def person(contact_id: str = "a" * 24, **fields: Any) -> dict[str, Any]:
    """A contact as the platform sends it (the reference's sample), with changes."""
    data = copy.deepcopy(sample("contact_updated")["data"])
    data["id"] = contact_id
    data.update(fields)
    return data


def values(contact: Contact) -> dict[str, Any]:
    by_key = {v.key: v.name for v in Variable.objects.all()}
    return {by_key[key]: value for key, value in contact.variable_values.items()}


def test_contact_created_mirrors_every_contact_of_the_array(post_callback):
    body = {
        "type": "contact_created",
        "data": [
            person("a" * 24, variables=[{**CITY, "value": "Moscow"}]),
            person("b" * 24, phone=79990000000, vkId=None, vk=None, telegramId=42),
        ],
    }
    assert post_callback(body).status_code == 200
    ivan = Contact.objects.get(platform_id="a" * 24)
    assert ivan.identifiers() == {"phone": "+79997775533", "vkId": "123456"}
    assert ivan.source_profiles["vk"]["city"]["title"] == "Saint Petersburg"
    assert ivan.name == "Ivan Petrov"
    assert values(ivan) == {"City": "Moscow"}
    assert ivan.platform_created_at.isoformat() == "2021-04-09T09:55:09.782000+00:00"
    other = Contact.objects.get(platform_id="b" * 24)
    # Phones are kept as the platform stores them: + and digits.
    assert other.identifiers() == {"phone": "+79990000000", "telegramId": "42"}
    assert other.channels() == [
        "telegram",
        "whatsapp-business",
        "whatsapp",
        "viber",
        "sms",
        "notify",
    ]
    assert Event.objects.filter(type="desk.contact_updated").count() == 2


def test_contact_updated_replaces_the_whole_contact_with_typed_variables(post_callback):
    post_callback({"type": "contact_created", "data": [person(variables=[{**CITY, "value": "A"}])]})
    update = person(
        phone="+79990000001",
        vkId=None,
        vk=None,
        telegram={"first_name": "Vanya", "username": "vanya"},
        telegramId=5,
        updatedAt="2021-05-01T00:00:00.000Z",
        variables=[
            {**ORDERS, "value": "12"},
            {**VISIT, "value": "2024-03-01T10:00:00.000Z"},
            {**CITY, "value": "Kazan"},
        ],
    )
    post_callback({"type": "contact_updated", "data": update})
    contact = Contact.objects.get()
    assert contact.identifiers() == {"phone": "+79990000001", "telegramId": "5"}
    assert set(contact.source_profiles) == {"telegram"}
    # NUMBER as a number, DATE as canonical UTC text: they compare as their types.
    assert values(contact) == {
        "Orders": 12,
        "Last visit": "2024-03-01T10:00:00.000000Z",
        "City": "Kazan",
    }
    assert {v.name: v.validate_as for v in Variable.objects.all()} == {
        "City": "STRING",
        "Orders": "NUMBER",
        "Last visit": "DATE",
    }
    # An update without a value drops it; one without a variables list keeps them.
    post_callback(
        {
            "type": "contact_updated",
            "data": person(
                updatedAt="2021-05-02T00:00:00.000Z", variables=[{**CITY, "value": "X"}]
            ),
        }
    )
    assert values(Contact.objects.get()) == {"City": "X"}
    post_callback(handover("dialog", contact_id="a" * 24))
    assert values(Contact.objects.get()) == {"City": "X"}


def test_a_stale_update_never_overwrites_newer_data(post_callback):
    newer = person(
        phone="+70000000002",
        updatedAt="2021-05-01T00:00:00.000Z",
        variables=[{**CITY, "value": "New"}],
    )
    older = person(
        phone="+70000000001",
        updatedAt="2021-04-01T00:00:00.000Z",
        variables=[{**CITY, "value": "Old"}],
    )
    post_callback({"type": "contact_updated", "data": newer})
    post_callback({"type": "contact_updated", "data": older})
    # Nor does a hand-over carrying the older contact.
    post_callback(handover("late", contact_id="a" * 24))
    contact = Contact.objects.get()
    assert contact.phone == "+70000000002"
    assert values(contact) == {"City": "New"}
    assert contact.platform_updated_at.isoformat().startswith("2021-05-01")


def test_a_merge_moves_conversations_notes_notifications_and_variables(post_callback, agent):
    keep, gone = "a" * 24, "b" * 24
    post_callback(
        {
            "type": "contact_created",
            "data": [
                person(keep, variables=[{**CITY, "value": "Kept"}]),
                person(
                    gone,
                    phone="+79990000009",
                    vkId=None,
                    vk=None,
                    telegramId=99,
                    variables=[{**CITY, "value": "Lost"}, {**ORDERS, "value": 7}],
                ),
            ],
        }
    )
    post_callback(handover("first", contact_id=keep))
    post_callback(handover("second", contact_id=gone))
    moved = Conversation.objects.get(platform_id="second")
    note = Message.objects.create(
        conversation=moved, kind=MessageKind.NOTE, text="VIP", author=agent
    )
    notification = Notification.objects.create(platform_id="n1", conversation=moved, status="read")

    body = sample("contact_merged")
    # The preserved contact as the reference's sample has it: no variables list.
    body["data"]["preservedContact"] = person(keep, updatedAt="2021-06-01T00:00:00.000Z")
    body["data"]["deletedContact"] = person(
        gone, phone="+79990000009", vkId=None, vk=None, telegramId=99
    )
    for _ in range(2):  # the platform may send it again
        assert post_callback(body).status_code == 200

    survivor = Contact.objects.get(platform_id=keep)
    assert set(survivor.conversations.values_list("platform_id", flat=True)) == {"first", "second"}
    assert Message.objects.get(pk=note.pk).conversation.contact == survivor
    assert Notification.objects.get(pk=notification.pk).conversation.contact == survivor
    # Variables move too; where both have one, the survivor's value stays.
    assert values(survivor) == {"City": "Kept", "Orders": 7}
    assert survivor.telegram_id == "99"
    # The old id resolves to the survivor, and a late hand-over naming it lands there.
    assert contact_by_platform_id(platform_id=gone) == survivor
    post_callback(handover("third", contact_id=gone))
    assert Conversation.objects.get(platform_id="third").contact == survivor
    merged = Event.objects.filter(type="desk.contact_merged")
    assert merged.count() == 1
    assert merged.get().payload["movedConversations"] == ["second"]


def test_a_chain_of_merges_resolves_to_the_last_survivor(post_callback):
    a, b, c = "a" * 24, "b" * 24, "c" * 24
    post_callback({"type": "contact_created", "data": [person(a), person(b), person(c)]})
    for preserved, deleted in ((b, a), (c, b)):
        body = sample("contact_merged")
        body["data"]["preservedContact"] = person(preserved)
        body["data"]["deletedContact"] = person(deleted)
        post_callback(body)
    last = Contact.objects.get(platform_id=c)
    assert contact_by_platform_id(platform_id=a) == last
    assert Contact.objects.get(platform_id=a).merged_into == last
