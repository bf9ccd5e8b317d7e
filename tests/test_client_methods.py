"""FromniClient against the sandbox over real HTTP: one test per API method.

Each test checks both directions: the body the sandbox received (GET /_sandbox/requests) is the
reference's request body, and the answer parses into the typed model. Seed data (connections
1-10, templates 1-3 with 1 and 2 in group 1, four contacts, six default variables, four default
deal attributes, two events) comes from fromni/sandbox/seed.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fromni.client import FromniClient
from fromni.methods import METHODS
from fromni.models import (
    CallbackSettings,
    Campaign,
    CampaignSummary,
    Connection,
    Contact,
    Conversation,
    Deal,
    DealAttribute,
    DialogMessage,
    Event,
    NotificationResult,
    Page,
    SendResult,
    Template,
    TemplateChannel,
    TemplateGroup,
    UploadParams,
    Variable,
    parse_connections,
)
from fromni.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox

IVAN_PHONE = "+79997775533"
# The reference's campaign/notification channel step.
NOTIFY_VK = {"name": "notify+vk", "connections": [1, 2], "ttl": 60}


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[FromniClient]:
    with FromniClient(sandbox.api_url, sandbox.token, backoff=0.01) as fromni:
        yield fromni


def received(sandbox: SandboxProcess, method: str) -> list[Any]:
    """Bodies the sandbox received for `method` (a METHODS name), oldest first."""
    path = METHODS[method].path
    return [r["body"] for r in sandbox.control("GET", "requests")["data"] if r["path"] == path]


def sent_body(sandbox: SandboxProcess, method: str) -> Any:
    """The one body the sandbox received for `method`."""
    bodies = received(sandbox, method)
    assert len(bodies) == 1, bodies
    return bodies[0]


def ivan(client: FromniClient) -> Contact:
    page = client.contacts_list(filter=_phone_is(IVAN_PHONE))
    assert len(page) == 1
    return page[0]


def _phone_is(phone: str) -> dict[str, Any]:
    return {"union": "and", "conditions": [{"field": "phone", "op": "eq", "value": phone}]}


def open_dialog(sandbox: SandboxProcess, **spec: Any) -> dict[str, Any]:
    return sandbox.control("POST", "conversations", json=spec)


def attribute_id(client: FromniClient, name: str) -> str:
    return next(a.id for a in client.deal_attributes_list() if a.name == name)


# --- Events ---------------------------------------------------------------------------------


def test_events_send(client: FromniClient, sandbox: SandboxProcess) -> None:
    data = {"client": {"phone": 79990000000}, "category": "Cars", "productId": 12345}
    campaign_id = client.events_send("added_to_cart", data)

    assert sent_body(sandbox, "events_send") == {"name": "added_to_cart", "data": data}
    # added_to_cart launches a campaign in the seed: the answer is its id.
    assert isinstance(campaign_id, str)
    assert client.campaigns_get(campaign_id).id == campaign_id


def test_events_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    events = client.events_list()

    assert sent_body(sandbox, "events_list") == {}
    assert all(isinstance(e, Event) for e in events)
    cart = next(e for e in events if e.name == "added_to_cart")
    assert cart.tag == "custom" and cart.display_name == "Added to cart"
    assert cart.vars[0].path == "client.phone"


# --- Campaigns ------------------------------------------------------------------------------

REFERENCE_RECIPIENT = {
    "Client name": "Ivan Petrov",
    "Phone number": "+79990000000",
    "Invoice number": 123456,
    "age": 22,
}


def launch(client: FromniClient) -> str:
    return client.campaigns_launch(
        "My campaign",
        [NOTIFY_VK],
        [REFERENCE_RECIPIENT],
        template_id=1,
        scenario_id="5eb882228fdef800142e87c2",
        live_time=24,
        match=["Phone number", "Client name", "Invoice number"],
    )


def test_campaigns_launch(client: FromniClient, sandbox: SandboxProcess) -> None:
    campaign_id = launch(client)

    assert sent_body(sandbox, "campaigns_launch") == {
        "name": "My campaign",
        "liveTime": 24,
        "scenarioId": "5eb882228fdef800142e87c2",
        "channels": [{"name": "notify+vk", "connections": [1, 2], "ttl": 60}],
        "templateId": 1,
        "data": [REFERENCE_RECIPIENT],
        "match": ["Phone number", "Client name", "Invoice number"],
    }
    assert isinstance(campaign_id, str) and campaign_id


def test_campaigns_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    campaign_id = launch(client)
    start = datetime(2021, 1, 21, tzinfo=UTC)
    end = datetime.now(UTC) + timedelta(days=1)

    rows = client.campaigns_list(start, end, type="manual")

    assert sent_body(sandbox, "campaigns_list") == {
        "startDate": "2021-01-21T00:00:00.000Z",
        "endDate": end.strftime("%Y-%m-%dT%H:%M:%S.") + f"{end.microsecond // 1000:03d}Z",
        "type": "manual",
    }
    assert [r.id for r in rows] == [campaign_id]
    assert isinstance(rows[0], CampaignSummary)
    assert rows[0].recipients_count == 1
    assert rows[0].created_at is not None and rows[0].created_at.tzinfo is not None


def test_campaigns_get(client: FromniClient, sandbox: SandboxProcess) -> None:
    campaign_id = launch(client)

    campaign = client.campaigns_get(campaign_id)

    assert sent_body(sandbox, "campaigns_get") == {"id": campaign_id}
    assert isinstance(campaign, Campaign)
    assert campaign.name == "My campaign" and campaign.live_time == 24
    assert campaign.channels[0].name == "notify+vk" and campaign.channels[0].connections == [1, 2]
    assert campaign.docs[0].data == REFERENCE_RECIPIENT
    assert campaign.docs[0].channelindex == 0
    assert campaign.match == ["Phone number", "Client name", "Invoice number"]


# --- Notifications --------------------------------------------------------------------------


def test_notifications_send(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id

    result = client.notifications_send(
        "Message text", [NOTIFY_VK], phone=79000000000, contact_id=contact_id
    )

    # The reference's sample body, with a contact that exists in the sandbox.
    assert sent_body(sandbox, "notifications_send") == {
        "phone": 79000000000,
        "contactId": contact_id,
        "message": {"text": "Message text", "attachments": []},
        "channels": [{"name": "notify+vk", "connections": [1, 2], "ttl": 60}],
    }
    assert isinstance(result, NotificationResult) and result.id


def test_notifications_send_by_phone_with_channel_names(
    client: FromniClient, sandbox: SandboxProcess
) -> None:
    client.notifications_send("Hi", ["sms"], phone=IVAN_PHONE)

    assert sent_body(sandbox, "notifications_send") == {
        "phone": IVAN_PHONE,
        "message": {"text": "Hi", "attachments": []},
        "channels": [{"name": "sms"}],
    }


# --- Media storage --------------------------------------------------------------------------


def test_storage_upload(client: FromniClient, sandbox: SandboxProcess) -> None:
    params = client.storage_upload("contract.pdf", content_type="application/pdf")

    assert sent_body(sandbox, "storage_upload") == {
        "contentType": "application/pdf",
        "filename": "contract.pdf",
    }
    assert isinstance(params, UploadParams)
    assert params.url.startswith(sandbox.base_url)
    assert params.fields["Key"].endswith("contract.pdf")
    assert params.media_url.startswith("http")


# --- Conversations --------------------------------------------------------------------------


def test_conversations_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    older = open_dialog(sandbox, channel="vk")
    newer = open_dialog(sandbox, channel="telegram")

    page = client.conversations_list()

    assert sent_body(sandbox, "conversations_list") == {"offset": 0, "limit": 10}
    assert isinstance(page, Page)
    assert [c.id for c in page] == [newer["id"], older["id"]]
    dialog = page[0]
    assert isinstance(dialog, Conversation)
    assert dialog.operator_mode is not None and dialog.operator_mode.is_active
    assert dialog.operator_mode.expires_at is not None
    assert dialog.connection is not None and dialog.connection.channel == "telegram"
    assert dialog.connection.id == newer["connectionId"]
    assert isinstance(dialog.contact, Contact) and dialog.contact.id == newer["contactId"]
    assert dialog.started_at is not None


def test_conversations_messages(client: FromniClient, sandbox: SandboxProcess) -> None:
    history = [{"text": "I need help", "out": False}, {"text": "Connecting you", "out": True}]
    dialog = open_dialog(sandbox, history=history)

    messages = client.conversations_messages(dialog["id"])

    assert sent_body(sandbox, "conversations_messages") == {"conversationId": dialog["id"]}
    assert all(isinstance(m, DialogMessage) for m in messages)
    assert [(m.text, m.out) for m in messages] == [
        ("I need help", False),
        ("Connecting you", True),
    ]
    assert messages[0].date is not None and messages[0].connection_id == dialog["connectionId"]


def test_conversations_send(client: FromniClient, sandbox: SandboxProcess) -> None:
    dialog = open_dialog(sandbox)
    picture = {"type": "image", "url": "https://example.com/a.png", "name": "a.png"}

    result = client.conversations_send(dialog["id"], "Message text", [picture])

    assert sent_body(sandbox, "conversations_send") == {
        "conversationId": dialog["id"],
        "message": {"text": "Message text", "attachments": [picture]},
    }
    assert isinstance(result, SendResult)
    assert result.status == "sent" and result.conversation_id == dialog["id"]
    delivered = sandbox.control("GET", f"conversations/{dialog['id']}/messages")["data"]
    assert [(m["messageId"], m["text"]) for m in delivered] == [(result.message_id, "Message text")]


# --- Contacts and variables -----------------------------------------------------------------


def test_contacts_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    # The reference's filter shape: an OR of an AND group and a channels condition.
    contact_filter = {
        "union": "or",
        "conditions": [
            {
                "union": "and",
                "conditions": [
                    {"field": "City", "op": "eq", "value": "Moscow"},
                    {"field": "Gender", "op": "eq", "value": "female"},
                ],
            },
            {"union": None, "conditions": [{"field": "channels", "op": "has", "value": "vk"}]},
        ],
    }

    page = client.contacts_list(contact_filter, offset=0, limit=10, order=[["createdAt", "DESC"]])

    assert sent_body(sandbox, "contacts_list") == {
        "filter": contact_filter,
        "offset": 0,
        "limit": 10,
        "order": [["createdAt", "DESC"]],
    }
    assert page.total == 2
    maria, ivan_ = page.data  # Maria was created later than Ivan in the seed
    assert maria.phone == "+79161234567" and maria.telegram_id == 500100200
    assert maria.source_profiles["telegram"]["username"] == "maria_iv"
    assert ivan_.vk_id == 123456 and ivan_.identifier("vk") == "123456"
    assert ivan_.created_at is not None and ivan_.created_at < maria.created_at  # type: ignore[operator]


def test_contacts_get(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id

    contact = client.contacts_get(contact_id)

    assert sent_body(sandbox, "contacts_get") == {"id": contact_id}
    assert isinstance(contact, Contact)
    assert contact.phone == IVAN_PHONE and contact.vk_id == 123456
    # The source profile is kept as an extra field and collected by source_profiles.
    assert contact.model_extra is not None and contact.model_extra["vk"]["first_name"] == "Ivan"
    assert contact.source_profiles["vk"]["city"]["title"] == "Saint Petersburg"
    city = next(v for v in contact.variables if v.name == "City")
    assert isinstance(city, Variable)
    assert city.value == "Saint Petersburg" and city.validate_as == "STRING"
    # "result" is the envelope, not a field of the contact.
    assert "result" not in (contact.model_extra or {})


def test_contacts_create(client: FromniClient, sandbox: SandboxProcess) -> None:
    new = [{"phone": 79990000000, "variables": [{"name": "City", "value": "Moscow"}]}]

    contacts = client.contacts_create(new)

    assert sent_body(sandbox, "contacts_create") == new
    assert len(contacts) == 1 and isinstance(contacts[0], Contact)
    assert contacts[0].phone == "+79990000000"
    assert [(v.name, v.value) for v in contacts[0].variables] == [("City", "Moscow")]


def test_contacts_update(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id

    assert client.contacts_update(contact_id, "telegramId", 700800900) is None

    assert sent_body(sandbox, "contacts_update") == {
        "contactId": contact_id,
        "telegramId": 700800900,
    }
    assert client.contacts_get(contact_id).telegram_id == 700800900


def test_variables_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    variables = client.variables_list()

    assert sent_body(sandbox, "variables_list") == {}
    assert all(isinstance(v, Variable) for v in variables)
    assert {v.name: v.validate_as for v in variables}["Birthday"] == "DATE"
    assert len(variables) == 6


def test_variables_create(client: FromniClient, sandbox: SandboxProcess) -> None:
    variable_id = client.variables_create("Loyalty level", "NUMBER")

    assert sent_body(sandbox, "variables_create") == {
        "name": "Loyalty level",
        "validateAs": "NUMBER",
    }
    assert any(v.id == variable_id for v in client.variables_list())


def test_variables_delete(client: FromniClient, sandbox: SandboxProcess) -> None:
    variable_id = client.variables_create("Temporary")

    assert client.variables_delete(variable_id) is None

    assert sent_body(sandbox, "variables_delete") == {"id": variable_id}
    assert all(v.id != variable_id for v in client.variables_list())


def test_contacts_set_variables(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id

    client.contacts_set_variables(contact_id, {"City": "Moscow"})

    assert sent_body(sandbox, "contacts_set_variables") == {
        "contactId": contact_id,
        "variables": [{"name": "City", "value": "Moscow"}],
    }
    city = next(v for v in client.contacts_get(contact_id).variables if v.name == "City")
    assert city.value == "Moscow"


# --- Callback settings ----------------------------------------------------------------------


def test_callback_set(client: FromniClient, sandbox: SandboxProcess) -> None:
    # The same receiver, a new secret: the reset before the next test restores the seed.
    client.callback_set(sandbox.callback_url, "some_secret_string")

    assert sent_body(sandbox, "callback_set") == {
        "callbackUrl": sandbox.callback_url,
        "secret": "some_secret_string",
    }
    assert client.callback_get().secret == "some_secret_string"


def test_callback_get(client: FromniClient, sandbox: SandboxProcess) -> None:
    settings = client.callback_get()

    assert sent_body(sandbox, "callback_get") == {}
    assert isinstance(settings, CallbackSettings)
    assert settings.callback_url == sandbox.callback_url
    assert settings.secret == sandbox.secret


# --- Channels -------------------------------------------------------------------------------


def test_channels_connections(client: FromniClient, sandbox: SandboxProcess) -> None:
    connections = client.channels_connections()

    assert sent_body(sandbox, "channels_connections") == {}
    assert all(isinstance(c, Connection) and c.channel for c in connections)
    assert [c.id for c in connections] == list(range(1, 11))
    by_id = {c.id: c for c in connections}
    assert by_id[3].channel == "telegram" and by_id[3].name == "Telegram: @fromni_support_bot"


def test_connections_accept_the_list_form_too() -> None:
    # The sandbox answers the reference's map form; public client code has seen a flat list.
    rows = [{"id": 7, "channel": "vk", "name": "VK group"}]
    assert parse_connections(rows) == [Connection(id=7, channel="vk", name="VK group")]
    assert parse_connections({"vk": [{"id": 7, "name": "VK group"}]}) == parse_connections(rows)


# --- Templates ------------------------------------------------------------------------------


def new_template(client: FromniClient, channel: str) -> Template:
    return client.templates_create(f"Text for {channel}", channels=[channel])


def test_templates_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    page = client.templates_list(order=[["createdAt", "DESC"]])

    assert sent_body(sandbox, "templates_list") == {
        "offset": 0,
        "limit": 10,
        "order": [["createdAt", "DESC"]],
    }
    assert all(isinstance(t, Template) for t in page)
    shipped = next(t for t in page if t.id == 1)
    assert shipped.name == "order_shipped" and shipped.regexp_text
    assert shipped.template_group_id == 1 and shipped.group_name == "Order notifications"
    assert sorted(t.id for t in shipped.group) == [1, 2]
    channel = shipped.channels[0]
    assert isinstance(channel, TemplateChannel) and channel.status == "approved"
    assert channel.updated_at is not None and channel.updated_at.tzinfo is not None


def test_templates_create(client: FromniClient, sandbox: SandboxProcess) -> None:
    template = client.templates_create(
        "Hi! This is a sample message",
        display_name="Test template",
        name="before_visit_10_min",
        channels=[{"channel": "whatsapp", "keyboard": {"inline": True}, "attachments": []}],
    )

    assert sent_body(sandbox, "templates_create") == {
        "displayName": "Test template",
        "text": "Hi! This is a sample message",
        "name": "before_visit_10_min",
        "channels": [{"channel": "whatsapp", "keyboard": {"inline": True}, "attachments": []}],
    }
    assert isinstance(template, Template)
    assert template.display_name == "Test template"
    assert template.channels[0].channel == "whatsapp"
    assert template.channels[0].keyboard == {"inline": True}


def test_templates_update(client: FromniClient, sandbox: SandboxProcess) -> None:
    assert client.templates_update(1, "New template text") is None

    assert sent_body(sandbox, "templates_update") == {"id": 1, "text": "New template text"}
    assert next(t for t in client.templates_list() if t.id == 1).text == "New template text"


def test_templates_channel_add(client: FromniClient, sandbox: SandboxProcess) -> None:
    row = client.templates_channel_add(1, "telegram")

    assert sent_body(sandbox, "templates_channel_add") == {
        "templateId": 1,
        "channel": {"channel": "telegram"},
    }
    assert isinstance(row, TemplateChannel)
    assert (row.template_id, row.channel, row.status) == (1, "telegram", "moderate")
    assert row.updated_at is not None


def test_templates_channel_delete(client: FromniClient, sandbox: SandboxProcess) -> None:
    client.templates_channel_delete(1, "viber")

    assert sent_body(sandbox, "templates_channel_delete") == {"templateId": 1, "channel": "viber"}
    shipped = next(t for t in client.templates_list() if t.id == 1)
    assert [c.channel for c in shipped.channels] == ["whatsapp-business"]


def test_template_groups_create(client: FromniClient, sandbox: SandboxProcess) -> None:
    # Templates 1 and 2 are grouped already; 3 (telegram, WABA) and a new VK one are free.
    vk = new_template(client, "vk")

    group = client.template_groups_create("Test group of templates", [3, vk.id])

    assert sent_body(sandbox, "template_groups_create") == {
        "name": "Test group of templates",
        "templates": [3, vk.id],
    }
    assert isinstance(group, TemplateGroup)
    assert group.name == "Test group of templates"
    assert group.created_at is not None and group.updated_at is not None


def test_template_groups_add(client: FromniClient, sandbox: SandboxProcess) -> None:
    vk = new_template(client, "vk")

    client.template_groups_add(vk.id, 1)

    assert sent_body(sandbox, "template_groups_add") == {"templateId": vk.id, "templateGroupId": 1}
    assert next(t for t in client.templates_list() if t.id == vk.id).template_group_id == 1


def test_template_groups_remove(client: FromniClient, sandbox: SandboxProcess) -> None:
    client.template_groups_remove(2)

    assert sent_body(sandbox, "template_groups_remove") == {"templateId": 2}
    assert next(t for t in client.templates_list() if t.id == 2).template_group_id is None


def test_templates_delete(client: FromniClient, sandbox: SandboxProcess) -> None:
    client.templates_delete(3)

    assert sent_body(sandbox, "templates_delete") == {"templateId": 3}
    assert [t.id for t in client.templates_list()] == [1, 2]


# --- Deals and deal attributes --------------------------------------------------------------


def test_deal_attributes_create(client: FromniClient, sandbox: SandboxProcess) -> None:
    attribute = client.deal_attributes_create(
        "City", "STRING", required=True, entity="deal", api_field="order.city", active=True
    )

    # The reference's sample less `"options": null`: options the caller did not give are left
    # out, so that the platform applies its default (and deal_attributes_update does not wipe
    # an attribute's options by accident).
    assert sent_body(sandbox, "deal_attributes_create") == {
        "name": "City",
        "type": "STRING",
        "required": True,
        "entity": "deal",
        "apiField": "order.city",
        "active": True,
    }
    assert isinstance(attribute, DealAttribute)
    assert (attribute.name, attribute.type, attribute.api_field) == ("City", "STRING", "order.city")
    assert attribute.required is True and attribute.is_default is False


def test_deal_attributes_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    attributes = client.deal_attributes_list()

    assert sent_body(sandbox, "deal_attributes_list") == {}
    assert [(a.name, a.type, a.entity) for a in attributes] == [
        ("Status", "SELECT", "deal"),
        ("Amount", "NUMBER", "deal"),
        ("Name", "STRING", "product"),
        ("Cost", "NUMBER", "product"),
    ]
    assert attributes[0].options == ["New", "In progress", "Won", "Lost"]
    assert all(a.is_default for a in attributes)


def test_deal_attributes_update(client: FromniClient, sandbox: SandboxProcess) -> None:
    created = client.deal_attributes_create("City", "STRING")

    updated = client.deal_attributes_update(
        created.id,
        "City",
        "STRING",
        options=None,
        required=True,
        entity="deal",
        api_field="order.city",
        active=True,
        is_default=False,
    )

    assert sent_body(sandbox, "deal_attributes_update") == {
        "id": created.id,
        "name": "City",
        "type": "STRING",
        "required": True,
        "entity": "deal",
        "apiField": "order.city",
        "active": True,
        "isDefault": False,
    }
    assert isinstance(updated, DealAttribute)
    assert updated.id == created.id and updated.required is True


def test_deal_attributes_delete(client: FromniClient, sandbox: SandboxProcess) -> None:
    created = client.deal_attributes_create("City", "STRING")

    client.deal_attributes_delete(created.id)

    assert sent_body(sandbox, "deal_attributes_delete") == {"id": created.id}
    assert all(a.id != created.id for a in client.deal_attributes_list())


def create_deal(client: FromniClient, contact_id: str, name: str = "Deal name") -> Deal:
    return client.deals_create(
        name,
        [{"id": attribute_id(client, "Amount"), "value": 1500}],
        contact_id,
        products=[{"attributes": [{"id": attribute_id(client, "Name"), "value": "Sofa"}]}],
    )


def test_deals_create(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id
    amount, product_name = attribute_id(client, "Amount"), attribute_id(client, "Name")

    deal = create_deal(client, contact_id)

    assert sent_body(sandbox, "deals_create") == {
        "name": "Deal name",
        "attributes": [{"id": amount, "value": 1500}],
        "products": [{"attributes": [{"id": product_name, "value": "Sofa"}]}],
        "contactId": contact_id,
    }
    assert isinstance(deal, Deal) and deal.id and deal.contact_id == contact_id
    assert [(a.name, a.value) for a in deal.attributes] == [("Amount", 1500)]
    assert isinstance(deal.attributes[0], DealAttribute)
    product = deal.products[0]
    assert product.deal_id == deal.id and product.attributes[0].value == "Sofa"
    assert deal.created_at is not None


def test_deals_create_batch(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id
    amount = attribute_id(client, "Amount")
    good = {"name": "Good", "attributes": [{"id": amount, "value": 1}], "contactId": contact_id}
    bad = {"name": "Bad", "attributes": [], "contactId": "000000000000000000000000"}

    deals = client.deals_create_batch([good, bad])

    assert sent_body(sandbox, "deals_create") == [good, bad]
    assert deals[0].id and deals[0].name == "Good" and deals[0].error is None
    assert deals[1].id is None and deals[1].error


def test_deals_list(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id
    first = create_deal(client, contact_id, "First")
    second = create_deal(client, contact_id, "Second")

    page = client.deals_list(order=[["createdAt", "DESC"]])

    assert sent_body(sandbox, "deals_list") == {
        "filter": {},
        "offset": 0,
        "limit": 10,
        "order": [["createdAt", "DESC"]],
    }
    assert page.total == 2
    assert {d.id for d in page} == {first.id, second.id}
    assert all(isinstance(d, Deal) for d in page)


def test_deals_update(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id
    deal = create_deal(client, contact_id)
    amount, product_name = attribute_id(client, "Amount"), attribute_id(client, "Name")
    product_id = deal.products[0].id

    updated = client.deals_update(
        deal.id or "",
        "Deal name",
        [{"id": amount, "value": 2000}],
        contact_id,
        products=[{"attributes": [{"id": product_name, "value": "Armchair"}], "id": product_id}],
    )

    assert sent_body(sandbox, "deals_update") == {
        "id": deal.id,
        "name": "Deal name",
        "attributes": [{"id": amount, "value": 2000}],
        "products": [{"attributes": [{"id": product_name, "value": "Armchair"}], "id": product_id}],
        "contactId": contact_id,
    }
    assert updated.id == deal.id
    assert updated.attributes[0].value == 2000
    assert updated.products[0].id == product_id and updated.products[0].attributes[0].value == (
        "Armchair"
    )


def test_deals_delete(client: FromniClient, sandbox: SandboxProcess) -> None:
    deal = create_deal(client, ivan(client).id)

    assert client.deals_delete(deal.id or "") is None

    assert sent_body(sandbox, "deals_delete") == {"id": deal.id}
    assert client.deals_list().total == 0


def test_deals_delete_batch(client: FromniClient, sandbox: SandboxProcess) -> None:
    deal = create_deal(client, ivan(client).id)

    errors = client.deals_delete_batch([deal.id or "", "000000000000000000000000"])

    assert sent_body(sandbox, "deals_delete") == {"id": [deal.id, "000000000000000000000000"]}
    assert errors[0] is None and errors[1]
    assert client.deals_list().total == 0


def test_deal_attribute_value(client: FromniClient, sandbox: SandboxProcess) -> None:
    deal = create_deal(client, ivan(client).id)
    product_name = attribute_id(client, "Name")
    product_id = deal.products[0].id

    client.deal_attribute_value(
        deal.id or "", product_name, "Saint-Petersburg", product_id=product_id
    )

    assert sent_body(sandbox, "deal_attribute_value") == {
        "dealId": deal.id,
        "attributeId": product_name,
        "productId": product_id,
        "value": "Saint-Petersburg",
    }
    (stored,) = client.deals_list().data
    assert stored.products[0].attributes[0].value == "Saint-Petersburg"


def test_deal_attribute_value_of_the_deal_itself(
    client: FromniClient, sandbox: SandboxProcess
) -> None:
    deal = create_deal(client, ivan(client).id)
    amount = attribute_id(client, "Amount")

    client.deal_attribute_value(deal.id or "", amount, 99)

    # productId null says "an attribute of the deal, not of a product" (the reference).
    assert sent_body(sandbox, "deal_attribute_value") == {
        "dealId": deal.id,
        "attributeId": amount,
        "productId": None,
        "value": 99,
    }
    assert client.deals_list().data[0].attributes[0].value == 99


# --- Paging ---------------------------------------------------------------------------------


def test_iterate_contacts_pages_by_offset(client: FromniClient, sandbox: SandboxProcess) -> None:
    client.contacts_create([{"phone": f"+7900000{n:04d}"} for n in range(21)])  # 25 in all

    contacts = list(client.iter_contacts(page_size=10, order=[["createdAt", "ASC"]]))

    assert len(contacts) == 25 and len({c.id for c in contacts}) == 25
    # `total` is known, so the third (short) page ends the loop without a fourth request.
    assert [(b["offset"], b["limit"]) for b in received(sandbox, "contacts_list")] == [
        (0, 10),
        (10, 10),
        (20, 10),
    ]
    assert received(sandbox, "contacts_list")[0]["order"] == [["createdAt", "ASC"]]


def test_iterate_conversations_without_total(client: FromniClient, sandbox: SandboxProcess) -> None:
    opened = [open_dialog(sandbox)["id"] for _ in range(4)]

    dialogs = list(client.iter_conversations(page_size=2))

    assert sorted(d.id for d in dialogs) == sorted(opened)
    # No `total` in conversations/list: only an empty page ends the loop.
    assert [b["offset"] for b in received(sandbox, "conversations_list")] == [0, 2, 4]


def test_iterate_templates_and_deals(client: FromniClient, sandbox: SandboxProcess) -> None:
    contact_id = ivan(client).id
    deals = {create_deal(client, contact_id, f"Deal {n}").id for n in range(3)}

    assert {d.id for d in client.iter_deals(page_size=2)} == deals
    assert [t.id for t in client.iterate(client.templates_list, page_size=2)] == [1, 2, 3]
    # A short page is not the end (a platform may cap pages below `limit`); the empty one is.
    assert [b["offset"] for b in received(sandbox, "templates_list")] == [0, 2, 3]
