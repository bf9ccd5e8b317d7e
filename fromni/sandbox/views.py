"""Records rendered as the platform's JSON (the shapes of api-reference.txt and callbacks/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fromni.methods import CHANNEL_ID_FIELDS

from .clock import iso, utcnow
from .state import (
    Campaign,
    Connection,
    Contact,
    Conversation,
    Deal,
    DealAttribute,
    Event,
    Message,
    PlatformState,
    Template,
    TemplateChannel,
    Variable,
)
from .templating import regexp_text


def contact_channels(contact: Contact) -> list[str]:
    """The channel designations this contact can be reached on (the filter's `channels`)."""
    found = []
    for channel, field in CHANNEL_ID_FIELDS.items():
        # Every contact has an `id`, but only one who used the web chat has a webchat profile.
        present = field != "id" and contact.fields.get(field) not in (None, "")
        if present or (field == "id" and channel in contact.fields):
            found.append(channel)
    return found


def variable(var: Variable) -> dict[str, Any]:
    return {"id": var.id, "name": var.name, "validateAs": var.validate_as}


def contact(state: PlatformState, person: Contact) -> dict[str, Any]:
    values = [
        {**variable(state.variables[var_id]), "value": value}
        for var_id, value in person.variables.items()
        if var_id in state.variables and value is not None
    ]
    return {
        "id": person.id,
        **person.fields,
        "createdAt": person.created_at,
        "updatedAt": person.updated_at,
        "variables": values,
    }


def connection_row(conn: Connection) -> dict[str, Any]:
    return {"id": conn.id, "name": conn.name}


def connection(conn: Connection) -> dict[str, Any]:
    return {
        "id": conn.id,
        "channel": conn.channel,
        "integrationId": conn.id,
        "provider": "Fromni",
        "createdAt": conn.created_at,
    }


def operator_mode(conv: Conversation, now: datetime | None = None) -> dict[str, Any]:
    return {"isActive": operator_mode_active(conv, now), "expiresAt": iso(conv.expires_at)}


def operator_mode_active(conv: Conversation, now: datetime | None = None) -> bool:
    return conv.operator_active and conv.expires_at > (now or utcnow())


def conversation(state: PlatformState, conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "operatorMode": operator_mode(conv),
        "connection": connection(state.connections[conv.connection_id]),
        "contact": contact(state, state.contacts[conv.contact_id]),
        "scenario": {"id": conv.scenario_id},
        "startedAt": conv.started_at,
        "startTrigger": conv.start_trigger,
        "endedAt": conv.ended_at,
        "endReason": conv.end_reason,
    }


def message(msg: Message) -> dict[str, Any]:
    return {
        "id": msg.id,
        "connectionId": msg.connection_id,
        "date": msg.date,
        "out": msg.out,
        "status": msg.status,
        "text": msg.text,
        "attachments": msg.attachments,
    }


def template_channel(channel: TemplateChannel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "channel": channel.channel,
        "status": channel.status,
        "updated_at": channel.updated_at,
        "components": channel.components,
        "keyboard": channel.keyboard,
        "attachments": channel.attachments,
        "sender": channel.sender,
    }


def template(tpl: Template) -> dict[str, Any]:
    """A template as template2/create answers it (no group fields)."""
    return {
        "id": tpl.id,
        "displayName": tpl.display_name,
        "text": tpl.text,
        "regexpText": regexp_text(tpl.text),
        "name": tpl.name,
        "channels": [template_channel(ch) for ch in tpl.channels],
        "createdAt": tpl.created_at,
    }


def template_with_group(state: PlatformState, tpl: Template) -> dict[str, Any]:
    """A template as template2/list shows it: with its group and the group's templates."""
    group = state.template_groups.get(tpl.group_id) if tpl.group_id is not None else None
    members = [template(t) for t in state.templates.values() if group and t.group_id == group.id]
    return {
        **template(tpl),
        "templateGroupId": group.id if group else None,
        "groupName": group.name if group else None,
        "group": members,
    }


def attribute(attr: DealAttribute) -> dict[str, Any]:
    return {
        "id": attr.id,
        "name": attr.name,
        "type": attr.type,
        "options": attr.options,
        "required": attr.required,
        "entity": attr.entity,
        "apiField": attr.api_field,
        "active": attr.active,
        "isDefault": attr.is_default,
    }


def _attribute_values(state: PlatformState, values: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**attribute(state.deal_attributes[attr_id]), "value": value}
        for attr_id, value in values.items()
        if attr_id in state.deal_attributes
    ]


def deal(state: PlatformState, record: Deal) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "attributes": _attribute_values(state, record.attributes),
        "products": [
            {
                "id": product.id,
                "dealId": product.deal_id,
                "attributes": _attribute_values(state, product.attributes),
            }
            for product in record.products
        ],
        "contactId": record.contact_id,
        "createdAt": record.created_at,
    }


def event(record: Event) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "displayName": record.display_name,
        "tag": record.tag,
        "vars": record.vars,
    }


def campaign(record: Campaign) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "liveTime": record.live_time,
        "channels": record.channels,
        "scenarioId": record.scenario_id,
        "templateId": record.template_id,
        "docs": record.docs,
        "match": record.match,
        "headers": record.headers,
        "createdAt": record.created_at,
    }


def campaign_row(record: Campaign) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "recipientsCount": len(record.docs),
        "createdAt": record.created_at,
    }
