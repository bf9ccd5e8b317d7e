"""The callback intake against each reading of the reference (docs/platform.md): the sandbox
sends its callbacks spelled as a real account might (null for empty, numeric ids, `whatsapp`,
bare URL attachments, a notification's every status), and each is posted to the desk's
endpoint as the platform sent it. Nothing the platform sends may be refused or lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contacts.models import Contact
from conversations.actions import conversation_claim
from conversations.models import Conversation, DeliveryState, Message, MessageKind
from conversations.window import conversations_expire_due
from outreach.models import Campaign, Notification
from outreach.templates import templates_forget
from tests.support.readings import SPELLINGS, deliver, handed_over, reading, requests_since

# desk_platform: the desk's platform client pointed at the test sandbox.
pytest_plugins = ["tests.support.contacts"]

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]


def spellings() -> list:
    return [pytest.param(settings, id=name) for name, settings in SPELLINGS.items()]


def whatsapp_of(variant: dict) -> str:
    return variant.get("whatsappName", "whatsapp-business")


@pytest.mark.parametrize("variant", spellings())
def test_a_hand_over_and_its_contact_are_taken_in_each_spelling(
    sandbox, callback_receiver, post_callback, variant
):
    reading(sandbox, **variant)
    started, conversation = handed_over(
        sandbox, callback_receiver, post_callback, channel="whatsapp-business"
    )
    for answer in deliver(callback_receiver, post_callback, "contact_created"):
        assert answer.status_code == 200, answer.content
    assert conversation.state == "queued" and conversation.channel == whatsapp_of(variant)
    body = callback_receiver.bodies("conversation_operator_requested")[0]["data"]
    contact = Contact.objects.get(platform_id=str(body["contact"]["id"]))
    assert contact.phone.startswith("+") and conversation.contact_id == contact.pk
    assert started["id"] in (conversation.platform_id, body["id"]) or variant.get("numericIds")


@pytest.mark.parametrize("variant", spellings())
def test_a_users_messages_are_taken_in_each_spelling(
    sandbox, callback_receiver, post_callback, variant
):
    reading(sandbox, **variant)
    started, conversation = handed_over(sandbox, callback_receiver, post_callback)
    photo = {"type": "image", "url": "http://example.test/media/p.png", "name": "p.png"}
    path = f"conversations/{started['id']}/messages"
    sandbox.control("POST", path, {"text": "Where is my order?"})
    sandbox.control("POST", path, {"text": "", "attachments": [photo]})
    answers = deliver(callback_receiver, post_callback, "conversation_message_created", count=2)
    assert [a.status_code for a in answers] == [200, 200], [a.content for a in answers]
    incoming = Message.objects.filter(conversation=conversation, kind=MessageKind.INCOMING)
    by_text = {m.text: m.attachments for m in incoming}
    assert by_text["Where is my order?"] == []
    assert by_text[""][0]["url"] == photo["url"]


@pytest.mark.parametrize("variant", spellings())
def test_a_replys_statuses_are_taken_in_each_spelling(
    sandbox, desk_platform, callback_receiver, post_callback, variant
):
    reading(sandbox, **variant)
    started, conversation = handed_over(sandbox, callback_receiver, post_callback)
    conversation = Conversation.objects.get(pk=conversation.pk)
    sent = desk_platform.conversations_send(conversation.platform_id, "On its way")
    reply = Message.objects.create(
        conversation=conversation,
        kind=MessageKind.OUTGOING,
        text="On its way",
        delivery=DeliveryState.SENT,
        platform_message_id=str(sent.message_id),
    )
    answers = deliver(callback_receiver, post_callback, "conversation_message_updated", count=2)
    assert [a.status_code for a in answers] == [200, 200], [a.content for a in answers]
    reply.refresh_from_db()
    assert reply.delivery == DeliveryState.READ


NOTIFICATION_READINGS = {
    **SPELLINGS,
    "every status": {"notificationStatusSequence": True},
    "every status, nulls": {"notificationStatusSequence": True, "nullEmpty": True},
    "channels optional": {"notificationChannelsOptional": True},
    "channel entries need connections": {"channelEntriesNeedConnections": True},
}


@pytest.mark.parametrize(
    "variant",
    [pytest.param(settings, id=name) for name, settings in NOTIFICATION_READINGS.items()],
)
def test_a_notifications_statuses_are_taken_in_each_reading(
    sandbox, desk_platform, callback_receiver, post_callback, agent, variant
):
    reading(sandbox, **variant)
    templates_forget()
    _, conversation = handed_over(
        sandbox, callback_receiver, post_callback, channel="whatsapp-business"
    )
    conversation_claim(conversation_id=conversation.pk, user=agent)
    Conversation.objects.filter(pk=conversation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert conversations_expire_due() == 1
    client = Client()
    client.force_login(agent)
    since = len(requests_since(sandbox))
    whatsapp = whatsapp_of(variant)
    answer = client.post(
        f"/api/conversations/{conversation.pk}/notify",
        {"templateId": 3, "channels": [whatsapp], "values": {"FIRST_NAME": "A", "TIME": "9"}},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    # Strict in what it sends: the channels named, spelled as the platform spells them, each
    # with its connections (here the one the dialog came through).
    (request,) = [r for r in requests_since(sandbox, since) if r["path"] == "notifications/send"]
    own = conversation.connection.platform_id
    assert request["body"]["channels"] == [{"name": whatsapp, "connections": [own]}]

    statuses = 3 if variant.get("notificationStatusSequence") else 1
    answers = deliver(callback_receiver, post_callback, "notification_message_updated", statuses)
    assert {a.status_code for a in answers} == {200}, [a.content for a in answers]
    stored = Notification.objects.get(platform_id=answer.json()["notification"]["platformId"])
    final = "read" if statuses == 3 else "delivered"
    assert (stored.status, stored.channel, stored.status_details) == (final, whatsapp, {})


@pytest.mark.parametrize("variant", spellings())
def test_a_platforms_contact_change_is_taken_in_each_spelling(
    sandbox, sandbox_api, callback_receiver, post_callback, variant
):
    reading(sandbox, **variant)
    ivan = next(c for c in sandbox_api.ok("contacts")["data"] if c.get("vkId") == 123456)
    # The control API takes an id as the API shows it (a number in the numeric reading).
    sandbox.control("POST", f"contacts/{ivan['id']}/update", {"telegramId": 31337})
    assert deliver(callback_receiver, post_callback, "contact_updated")[0].status_code == 200
    assert Contact.objects.get(platform_id=str(ivan["id"])).telegram_id == "31337"


# CampaignCompleted declares its own `id: str`.
@pytest.mark.parametrize("variant", spellings())
def test_a_campaigns_statistics_are_taken_in_each_spelling(
    sandbox, desk_platform, callback_receiver, post_callback, variant
):
    reading(sandbox, **variant)
    campaign_id = desk_platform.campaigns_launch(
        "Spring", ["sms"], [{"phone": "+79990000000"}], template_id=2
    )
    assert deliver(callback_receiver, post_callback, "campaign_completed")[0].status_code == 200
    stored = Campaign.objects.get(platform_id=campaign_id)
    assert stored.data["docs"][0]["status"] == "delivered"
    assert stored.data["docs"][0]["answersMap"] == {}
