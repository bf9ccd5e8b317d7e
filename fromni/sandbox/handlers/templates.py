"""Templates and template groups: template2/*."""

from __future__ import annotations

from typing import Any

from fromni.methods import CHANNEL_ID_FIELDS

from ..clock import now_iso
from ..state import PlatformState, Template, TemplateChannel, TemplateGroup
from ..views import template, template_with_group
from .base import ApiError, Call, Handler, found, int_id, list_of, listed

# A channel added to a template is moderated by the messenger; it is approved after this many
# (scaled) seconds.
MODERATION_SECONDS = 2.0

ORDER_FIELDS = {
    "id": lambda t: t.id,
    "createdAt": lambda t: t.created_at,
    "name": lambda t: t.name,
    "displayName": lambda t: t.display_name,
}


def _template(call: Call, field: str = "templateId") -> Template:
    return found(call.state.templates, int_id(call.args[field], field), "Template")


def _channel_row(state: PlatformState, spec: Any, status: str) -> TemplateChannel:
    if not isinstance(spec, dict) or not isinstance(spec.get("channel"), str):
        raise ApiError("A template channel must be an object with a 'channel' designation")
    if spec["channel"] not in CHANNEL_ID_FIELDS:
        raise ApiError(f"Unknown channel '{spec['channel']}'")
    return TemplateChannel(
        id=state.next_int("template_channel"),
        channel=spec["channel"],
        status=status,
        updated_at=now_iso(),
        keyboard=spec.get("keyboard"),
        attachments=spec.get("attachments") or [],
        components=spec.get("components"),
        sender=spec.get("sender"),
    )


def _channels_of(tpl: Template) -> set[str]:
    return {row.channel for row in tpl.channels}


def _check_group_fits(state: PlatformState, group_id: int, tpl: Template, extra: set[str]) -> None:
    """Templates that share a channel cannot be in one group (the reference's rule)."""
    mine = _channels_of(tpl) | extra
    for other in state.templates.values():
        if other.group_id == group_id and other.id != tpl.id:
            shared = mine & _channels_of(other)
            if shared:
                raise ApiError(
                    f"Template {tpl.id} shares channel(s) {', '.join(sorted(shared))} "
                    f"with template {other.id} of the group"
                )


def _check_not_grouped(state: PlatformState, tpl: Template) -> None:
    """One template may only belong to one group."""
    if tpl.group_id is not None:
        group = state.template_groups.get(tpl.group_id)
        raise ApiError(
            f"Template {tpl.id} already belongs to group '{group.name if group else ''}'"
        )


def templates_list(call: Call) -> dict[str, Any]:
    rows = listed(
        call,
        list(call.state.templates.values()),
        lambda tpl, field: ORDER_FIELDS[field](tpl),
        lambda field: field in ORDER_FIELDS,
    )
    return {"data": [template_with_group(call.state, tpl) for tpl in rows]}


def templates_create(call: Call) -> dict[str, Any]:
    args, state = call.args, call.state
    text = args["text"]
    if not isinstance(text, str):
        raise ApiError("Field 'text' must be a string")
    specs = list_of(args.get("channels") or [], "channels", allow_empty=True)
    # The reference's create answer shows the channels approved at once.
    rows = [_channel_row(state, spec, "approved") for spec in specs]
    if len({row.channel for row in rows}) != len(rows):
        raise ApiError("A template cannot have the same channel twice")
    tpl_id = state.next_int("template")
    name = args.get("name")
    display = args.get("displayName") or name or f"Template {tpl_id}"
    tpl = Template(tpl_id, display, text, name, rows, now_iso())
    state.templates[tpl_id] = tpl
    return template(tpl)


def templates_update(call: Call) -> dict[str, Any]:
    tpl = _template(call, "id")
    if not isinstance(call.args["text"], str):
        raise ApiError("Field 'text' must be a string")
    tpl.text = call.args["text"]
    return {}


def templates_channel_add(call: Call) -> dict[str, Any]:
    state, tpl = call.state, _template(call)
    row = _channel_row(state, call.args["channel"], "moderate")
    if row.channel in _channels_of(tpl):
        raise ApiError(f"Template {tpl.id} already has channel '{row.channel}'")
    if tpl.group_id is not None:
        _check_group_fits(state, tpl.group_id, tpl, {row.channel})
    tpl.channels.append(row)

    def approve(later_state: PlatformState) -> None:
        current = later_state.templates.get(tpl.id)
        for item in current.channels if current else []:
            if item.id == row.id and item.status == "moderate":
                item.status, item.updated_at = "approved", now_iso()

    call.sb.later(MODERATION_SECONDS, approve)
    return {
        "templateId": tpl.id,
        "channel": row.channel,
        "status": row.status,
        "updated_at": row.updated_at,
    }


def templates_channel_delete(call: Call) -> dict[str, Any]:
    tpl, channel = _template(call), call.args["channel"]
    kept = [row for row in tpl.channels if row.channel != channel]
    if len(kept) == len(tpl.channels):
        raise ApiError(f"Template {tpl.id} has no channel '{channel}'")
    tpl.channels = kept
    return {}


def templates_delete(call: Call) -> dict[str, Any]:
    tpl = _template(call)
    del call.state.templates[tpl.id]
    return {}


def template_groups_create(call: Call) -> dict[str, Any]:
    args, state = call.args, call.state
    name = args["name"]
    ids = list_of(args["templates"], "templates")
    members = [found(state.templates, int_id(i, "templates"), f"Template {i}") for i in ids]
    if len({tpl.id for tpl in members}) != len(members):
        raise ApiError("A template is listed twice")
    seen: dict[str, int] = {}
    for tpl in members:
        _check_not_grouped(state, tpl)
        for channel in _channels_of(tpl):
            if channel in seen:
                raise ApiError(
                    f"Templates {seen[channel]} and {tpl.id} share channel '{channel}' "
                    "and cannot be combined into a group"
                )
            seen[channel] = tpl.id
    stamp = now_iso()
    group = TemplateGroup(state.next_int("template_group"), str(name), stamp, stamp)
    state.template_groups[group.id] = group
    for tpl in members:
        tpl.group_id = group.id
    return {
        "id": group.id,
        "name": group.name,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


def template_groups_add(call: Call) -> dict[str, Any]:
    state, tpl = call.state, _template(call)
    group_id = int_id(call.args["templateGroupId"], "templateGroupId")
    group = found(state.template_groups, group_id, "Template group")
    _check_not_grouped(state, tpl)
    _check_group_fits(state, group.id, tpl, set())
    tpl.group_id = group.id
    group.updated_at = now_iso()
    return {}


def template_groups_remove(call: Call) -> dict[str, Any]:
    state, tpl = call.state, _template(call)
    if tpl.group_id is None:
        raise ApiError(f"Template {tpl.id} is not in a group")
    group = state.template_groups.get(tpl.group_id)
    if group is not None:
        group.updated_at = now_iso()
    tpl.group_id = None
    return {}


HANDLERS: dict[str, Handler] = {
    "templates_list": templates_list,
    "templates_create": templates_create,
    "templates_update": templates_update,
    "templates_channel_add": templates_channel_add,
    "templates_channel_delete": templates_channel_delete,
    "templates_delete": templates_delete,
    "template_groups_create": template_groups_create,
    "template_groups_add": template_groups_add,
    "template_groups_remove": template_groups_remove,
}
