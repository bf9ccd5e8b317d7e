"""The account the sandbox starts with (and returns to on reset)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .clock import iso, now_iso, utcnow
from .ids import object_id
from .state import (
    Connection,
    Contact,
    DealAttribute,
    Event,
    PlatformState,
    Template,
    TemplateChannel,
    TemplateGroup,
    Variable,
)

CONNECTIONS: tuple[tuple[str, str], ...] = (
    ("whatsapp-business", "WhatsApp Business: Support"),
    ("whatsapp-business", "WhatsApp Business: Sales"),
    ("telegram", "Telegram: @fromni_support_bot"),
    ("telegram", "Telegram: @fromni_shop_bot"),
    ("vk", "VK: Fromni Shop community"),
    ("viber", "Viber business messages: FROMNI"),
    ("viber-bots", "Viber bot: Fromni Support"),
    ("sms", "SMS: sender FROMNI"),
    ("notify", "Notify: flash call"),
    ("webchat", "Web chat: fromni.shop"),
)

# The reference's default variables (First Name ... Gender); Birthday is a DATE.
DEFAULT_VARIABLES: tuple[tuple[str, str], ...] = (
    ("First Name", "STRING"),
    ("Last Name", "STRING"),
    ("Birthday", "DATE"),
    ("City", "STRING"),
    ("Country", "STRING"),
    ("Gender", "STRING"),
)

# The reference's default deal attributes: Status (deal, SELECT), Amount (deal, NUMBER),
# Name (product, STRING), Cost (product, NUMBER).
DEFAULT_ATTRIBUTES: tuple[tuple[str, str, str, list[Any] | None], ...] = (
    ("Status", "SELECT", "deal", ["New", "In progress", "Won", "Lost"]),
    ("Amount", "NUMBER", "deal", None),
    ("Name", "STRING", "product", None),
    ("Cost", "NUMBER", "product", None),
)

GROUPS = ("Order notifications",)

# (display name, name, text, approved channels, group number or None)
TEMPLATES: tuple[tuple[str, str, str, tuple[str, ...], int | None], ...] = (
    (
        "Order shipped",
        "order_shipped",
        "Hello, #FIRST_NAME#! Your order #ORDER_ID# has been shipped and will arrive on "
        "#DELIVERY_DATE#.",
        ("whatsapp-business", "viber"),
        1,
    ),
    (
        "Order shipped (SMS)",
        "order_shipped_sms",
        "Order #ORDER_ID# shipped, arriving #DELIVERY_DATE#.",
        ("sms",),
        1,
    ),
    (
        "Visit reminder",
        "before_visit_10_min",
        "#FIRST_NAME#, we are expecting you at #TIME# today. Reply YES to confirm.",
        ("telegram", "whatsapp-business"),
        None,
    ),
)

PHONE_VAR = {"name": "Phone number", "path": "client.phone", "type": "string"}

EVENTS: tuple[dict[str, Any], ...] = (
    {
        "name": "added_to_cart",
        "display_name": "Added to cart",
        "vars": [
            PHONE_VAR,
            {"name": "Category", "path": "category", "type": "string"},
            {"name": "Product", "path": "productId", "type": "number"},
        ],
        "campaign": {
            "templateId": 3,
            "channels": [{"name": "whatsapp-business+sms", "connections": [1, 8], "ttl": 60}],
        },
    },
    {
        "name": "order_paid",
        "display_name": "Order paid",
        "vars": [PHONE_VAR, {"name": "Order number", "path": "order.id", "type": "string"}],
        "campaign": {
            "templateId": 1,
            "channels": [{"name": "whatsapp-business", "connections": [1], "ttl": 60}],
        },
    },
)

IVAN_VK = {
    "first_name": "Ivan",
    "id": 123456,
    "last_name": "Petrov",
    "can_access_closed": True,
    "is_closed": False,
    "sex": 2,
    "bdate": "1.1.2001",
    "city": {"id": 2, "title": "Saint Petersburg"},
    "country": {"id": 1, "title": "Russia"},
    "home_town": "Saint Petersburg",
}

# (channel fields, variables by name)
CONTACTS: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = (
    (
        {"phone": "+79997775533", "vkId": 123456, "vk": IVAN_VK},
        {
            "First Name": "Ivan",
            "Last Name": "Petrov",
            "Birthday": "2001-01-01T00:00:00.000Z",
            "City": "Saint Petersburg",
            "Country": "Russia",
            "Gender": "male",
        },
    ),
    (
        {
            "phone": "+79161234567",
            "telegramId": 500100200,
            "telegram": {"id": 500100200, "first_name": "Maria", "username": "maria_iv"},
        },
        {"First Name": "Maria", "Last Name": "Ivanova", "City": "Moscow", "Gender": "female"},
    ),
    ({"phone": "+79035550011"}, {"First Name": "Alexey", "City": "Kazan"}),
    ({"webchat": {"name": "Guest 4821", "page": "https://fromni.shop/cart"}}, {}),
)


def seed_state(callback_url: str, secret: str) -> PlatformState:
    state = PlatformState(callback_url=callback_url, secret=secret)
    created = now_iso()
    for channel, name in CONNECTIONS:
        conn_id = state.next_int("connection")
        state.connections[conn_id] = Connection(conn_id, channel, name, created)
    for name, validate_as in DEFAULT_VARIABLES:
        var = Variable(object_id(), name, validate_as, is_default=True)
        state.variables[var.id] = var
    for name, type_, entity, options in DEFAULT_ATTRIBUTES:
        attr = DealAttribute(object_id(), name, type_, options, False, entity, None, True, True)
        state.deal_attributes[attr.id] = attr
    for name in GROUPS:
        group_id = state.next_int("template_group")
        state.template_groups[group_id] = TemplateGroup(group_id, name, created, created)
    for display_name, name, text, channels, group in TEMPLATES:
        tpl_id = state.next_int("template")
        rows = [
            TemplateChannel(state.next_int("template_channel"), ch, "approved", created)
            for ch in channels
        ]
        state.templates[tpl_id] = Template(tpl_id, display_name, text, name, rows, created, group)
    for spec in EVENTS:
        event_id = state.next_int("event")
        state.events[event_id] = Event(
            event_id, spec["name"], spec["display_name"], "custom", spec["vars"], spec["campaign"]
        )
    by_name = {var.name: var.id for var in state.variables.values()}
    for age, (fields, values) in enumerate(CONTACTS):
        # Spread over past days so that ordering by createdAt means something.
        stamp = iso(utcnow() - timedelta(days=len(CONTACTS) - age))
        person = Contact(object_id(), dict(fields), {}, stamp, stamp)
        person.variables = {by_name[name]: value for name, value in values.items()}
        state.contacts[person.id] = person
    return state
