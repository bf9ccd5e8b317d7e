"""Every Fromni API method the desk knows, in one table.

The client calls methods by name and the sandbox serves the same table, so a wrong path guess
(most are inferred from the reference's section titles, see docs/platform.md) is a
one-line fix here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    path: str
    # Reads and parameter requests may be repeated after a connection error or a 5xx; sends,
    # launches and writes never are, because the first attempt may have taken effect.
    retry_safe: bool
    # Top-level body fields the platform refuses to do without (it answers HTTP 500).
    required: tuple[str, ...] = ()


def _read(name: str, path: str, *required: str) -> Method:
    return Method(name=name, path=path, retry_safe=True, required=required)


def _write(name: str, path: str, *required: str) -> Method:
    return Method(name=name, path=path, retry_safe=False, required=required)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        # Events
        _write("events_send", "events/send", "name"),
        _read("events_list", "events/list"),
        # Campaigns
        _write("campaigns_launch", "campaigns/launch", "name", "channels", "data"),
        _read("campaigns_list", "campaigns/list"),
        _read("campaigns_get", "campaigns/get", "id"),
        # Notifications (phone or contactId: checked by the caller and the sandbox)
        _write("notifications_send", "notifications/send", "message", "channels"),
        # Media storage: asking for upload parameters has no effect, so it may be repeated.
        _read("storage_upload", "storage/upload", "filename"),
        # Conversations
        _read("conversations_list", "conversations/list"),
        _read("conversations_messages", "conversations/messages", "conversationId"),
        _write("conversations_send", "conversations/send", "conversationId", "message"),
        # Contacts and variables
        _read("contacts_list", "contacts"),
        _read("contacts_get", "contacts/get", "id"),
        _write("contacts_create", "contacts/create"),  # the body is an array of contacts
        _write("contacts_update", "contacts/update", "contactId"),
        _read("variables_list", "variables/list"),
        _write("variables_create", "variables/create", "name"),
        _write("variables_delete", "variables/delete", "id"),
        _write("contacts_set_variables", "contacts/variables", "contactId", "variables"),
        # Callback settings
        _write("callback_set", "callback/set", "callbackUrl"),
        _read("callback_get", "callback/get"),
        # Channels
        _read("channels_connections", "channels/connections"),
        # Templates and template groups
        _read("templates_list", "template2/list"),
        _write("templates_create", "template2/create", "text"),
        _write("templates_update", "template2/update", "id", "text"),
        _write("templates_channel_add", "template2/channel/add", "templateId", "channel"),
        _write("templates_channel_delete", "template2/channel/delete", "templateId", "channel"),
        _write("template_groups_create", "template2/group/create", "name", "templates"),
        _write("template_groups_add", "template2/group/add", "templateId", "templateGroupId"),
        _write("template_groups_remove", "template2/group/remove", "templateId"),
        _write("templates_delete", "template2/delete", "templateId"),
        # Deals and deal attributes
        _write("deal_attributes_create", "deals/attributes/create", "name", "type"),
        _read("deal_attributes_list", "deals/attributes/list"),
        _write("deal_attributes_update", "deals/attributes/update", "id", "name", "type"),
        _write("deal_attributes_delete", "deals/attributes/delete", "id"),
        _write("deals_create", "deals/create"),  # one deal or an array of deals
        _read("deals_list", "deals/list"),
        _write("deals_update", "deals/update", "id", "name", "attributes", "contactId"),
        _write("deals_delete", "deals/delete"),  # one id or an array of ids
        _write("deal_attribute_value", "deals/attribute/value", "dealId", "attributeId"),
    )
}

METHODS_BY_PATH: dict[str, Method] = {m.path: m for m in METHODS.values()}

# The platform's limit on one uploaded file.
MEDIA_MAX_BYTES = 10 * 1024 * 1024

# Delays before each re-delivery of a callback that got no 2xx answer (seconds).
CALLBACK_RETRY_SCHEDULE: tuple[float, ...] = (10, 30, 90, 270, 810, 2430, 3600)

MESSAGE_STATUSES: tuple[str, ...] = (
    "sent",
    "unknown",
    "rejected",
    "undelivered",
    "expired",
    "delivered",
    "read",
    "error",
    "blocked_by_user",
)

# Contact identifier field per channel designation.
CHANNEL_ID_FIELDS: dict[str, str] = {
    "vk": "vkId",
    "instagram": "instagramId",
    "telegram": "telegramId",
    "viber-bots": "viberId",
    "fb": "fbId",
    "whatsapp-business": "phone",
    "whatsapp": "phone",
    "viber": "phone",
    "sms": "phone",
    "notify": "phone",
    "webchat": "id",
}

# One channel, two designations: the reference's channels table says `whatsapp-business`, its
# dialog and template samples `whatsapp` (docs/platform.md).
_SAME_CHANNEL = {"whatsapp": "whatsapp-business"}


def channel_family(designation: str) -> str:
    """The designation that names the same channel for every spelling the platform may use."""
    return _SAME_CHANNEL.get(designation, designation)
