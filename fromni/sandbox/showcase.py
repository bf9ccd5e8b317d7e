"""What the account's other users did before the desk was started, played on demand for the demo
(`POST /_sandbox/showcase`): campaigns launched from the platform's own pages and notifications
sent through the API. Each goes through the same code as the real method, so its callbacks
(`campaign_completed`, `notification_message_updated`) reach the desk as they would in
production, and a newcomer finds the campaign and report pages filled."""

from __future__ import annotations

from typing import Any

from .app import Sandbox
from .handlers import campaigns, notifications
from .profiles import find_by_identifier
from .state import PlatformState

# (campaign name, template id of the seed, channel entry, recipients' phones; one unreachable)
CAMPAIGNS: tuple[tuple[str, int, dict[str, Any], tuple[str, ...]], ...] = (
    (
        "Заказ отправлен — декабрь",
        1,
        {"name": "whatsapp-business", "connections": [1], "ttl": 60},
        ("+79997775533", "+79161234567", "+79035550011"),
    ),
    (
        "Order shipped, SMS fallback",
        2,
        {"name": "sms", "connections": [8], "ttl": 60},
        ("+79997775533", "+79161234567", "not a phone"),
    ),
    (
        "Напоминание о визите",
        3,
        {"name": "telegram", "connections": [3], "ttl": 60},
        ("+79161234567",),
    ),
)

# (recipient's phone, text, channels asked for)
NOTIFICATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("+79997775533", "Ваш заказ 1042 передан в доставку.", ("whatsapp-business", "sms")),
    ("+79161234567", "Maria, your order 1043 has shipped.", ("telegram",)),
    ("+79035550011", "Заказ 1044 ждёт вас в пункте выдачи.", ("sms",)),
    # No contact on the platform has this phone on Telegram: the platform reports an error.
    ("+79990000000", "Order 1045: we could not reach you.", ("telegram",)),
)


def showcase(sb: Sandbox, state: PlatformState) -> dict[str, list[str]]:
    """Launch the campaigns and send the notifications above; answer their platform ids."""
    launched = [
        campaigns.launch(
            sb,
            state,
            name=name,
            channels=[channel],
            rows=[{"phone": phone, "order": str(1000 + n)} for n, phone in enumerate(phones)],
            match=["phone"],
            template_id=template_id,
            scenario_id=None,
            live_time=24,
            type_="manual",
        ).id
        for name, template_id, channel, phones in CAMPAIGNS
    ]
    sent = [
        notifications.send(
            sb,
            state,
            phone=phone,
            contact_id=getattr(find_by_identifier(state, "phone", phone), "id", None),
            message={"text": text},
            channels=[{"name": name} for name in channels],
            designations=list(channels),
        ).id
        for phone, text, channels in NOTIFICATIONS
    ]
    return {"campaigns": launched, "notifications": sent}
