"""Events and campaigns: events/send, events/list, campaigns/launch|list|get.

A launched campaign "runs" for a few (scaled) seconds, then its recipients' statuses are final
and `campaign_completed` carries them, as on the platform.
"""

from __future__ import annotations

from typing import Any

from ..app import Sandbox
from ..clock import now_iso, parse_datetime
from ..ids import object_id
from ..state import Campaign, Event, PlatformState
from ..values import normalize_phone
from ..views import campaign, campaign_row, event
from .base import (
    ApiError,
    Call,
    Handler,
    channel_designations,
    found,
    int_id,
    list_of,
    require_connections,
)

COMPLETION_SECONDS = 2.0
CAMPAIGN_TYPES = ("event", "manual")


def _reachable(row: dict[str, Any], phone_column: str | None) -> bool:
    try:
        normalize_phone(row.get(phone_column) if phone_column else None)
    except ValueError:
        return False
    return True


def launch(
    sb: Sandbox,
    state: PlatformState,
    *,
    name: str,
    channels: list[Any],
    rows: list[dict[str, Any]],
    match: list[str],
    template_id: int | None,
    scenario_id: str | None,
    live_time: int,
    type_: str,
) -> Campaign:
    """Start a campaign and schedule its completion callback."""
    first_channel = channel_designations(state, channels)[0]
    # The reference: the header of the recipient's phone column comes first in `match`.
    phone_column = match[0] if match else None
    docs = [
        {
            "data": row,
            "channel": first_channel,
            "status": "sent",
            "channelindex": 0,
            "answersMap": {},
            "answersList": [],
        }
        for row in rows
    ]
    headers = list(rows[0]) if rows else []
    record = Campaign(
        object_id(),
        name,
        live_time,
        channels,
        scenario_id,
        template_id,
        docs,
        match,
        headers,
        now_iso(),
        type_,
    )
    state.campaigns[record.id] = record

    def complete(later: PlatformState) -> None:
        current = later.campaigns.get(record.id)
        if current is None:
            return
        for doc in current.docs:
            doc["status"] = "delivered" if _reachable(doc["data"], phone_column) else "undelivered"
        sb.emit({"type": "campaign_completed", "data": campaign(current)})

    sb.later(COMPLETION_SECONDS, complete)
    return record


def campaigns_launch(call: Call) -> dict[str, Any]:
    args, state = call.args, call.state
    live_time = args.get("liveTime", 24)
    if (
        isinstance(live_time, bool)
        or not isinstance(live_time, int | float)
        or not (1 <= live_time <= 48)
    ):
        raise ApiError("Field 'liveTime' must be a number from 1 to 48")
    template_id = args.get("templateId")
    if template_id is not None:
        template_id = found(state.templates, int_id(template_id, "templateId"), "Template").id
    elif not args.get("scenarioId"):
        raise ApiError("Field 'templateId' is required when no scenarioId is given")
    rows = list_of(args["data"], "data")
    if not all(isinstance(row, dict) for row in rows):
        raise ApiError("Each of data must be an object")
    match = args.get("match") or list(rows[0])
    if not isinstance(match, list) or not all(isinstance(item, str) for item in match):
        raise ApiError("Field 'match' must be an array of strings")
    if call.sb.variants.channel_entries_need_connections:
        require_connections(state, args["channels"])
    record = launch(
        call.sb,
        state,
        name=str(args["name"]),
        channels=args["channels"],
        rows=rows,
        match=match,
        template_id=template_id,
        scenario_id=args.get("scenarioId"),
        live_time=int(live_time),
        type_="manual",
    )
    return {"id": record.id}


def campaigns_list(call: Call) -> dict[str, Any]:
    args = call.args
    bounds = []
    for name in ("startDate", "endDate"):
        value = args.get(name)
        moment = parse_datetime(value) if value is not None else None
        if value is not None and moment is None:
            raise ApiError(f"Field '{name}' must be a date")
        bounds.append(moment)
    start, end = bounds
    kind = args.get("type")
    if kind is not None and kind not in CAMPAIGN_TYPES:
        raise ApiError("Field 'type' must be 'event', 'manual' or null")
    rows = []
    for record in call.state.campaigns.values():
        created = parse_datetime(record.created_at)
        if (start and created < start) or (end and created > end):
            continue
        if kind is None or record.type == kind:
            rows.append(campaign_row(record))
    return {"data": rows}


def campaigns_get(call: Call) -> dict[str, Any]:
    return campaign(found(call.state.campaigns, call.args["id"], "Campaign"))


def _leaf_paths(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        return [
            pair for key, value in data.items() for pair in _leaf_paths(value, f"{prefix}{key}.")
        ]
    return [(prefix.rstrip("."), data)]


def _at_path(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _register(state: PlatformState, name: str, data: dict[str, Any]) -> Event:
    """An event the platform has not seen yet becomes a custom event with its data's paths."""
    variables = [
        {
            "name": path,
            "path": path,
            "type": "number" if isinstance(value, int | float) else "string",
        }
        for path, value in _leaf_paths(data)
        if path
    ]
    record = Event(state.next_int("event"), name, name, "custom", variables)
    state.events[record.id] = record
    return record


def events_send(call: Call) -> dict[str, Any]:
    args, state = call.args, call.state
    name, data = args["name"], args.get("data") or {}
    if not isinstance(name, str) or not isinstance(data, dict):
        raise ApiError("Field 'name' must be a string and 'data' an object")
    record = next((e for e in state.events.values() if e.name == name), None)
    if record is None:
        record = _register(state, name, data)
    if record.campaign is None:
        return {"id": object_id()}
    # The event's campaign reads each of the event's variables at its path in the data.
    row = {var["name"]: _at_path(data, var["path"]) for var in record.vars}
    started = launch(
        call.sb,
        state,
        name=record.display_name,
        channels=record.campaign["channels"],
        rows=[row],
        match=[var["name"] for var in record.vars],
        template_id=record.campaign.get("templateId"),
        scenario_id=None,
        live_time=24,
        type_="event",
    )
    return {"id": started.id}


def events_list(call: Call) -> dict[str, Any]:
    return {"data": [event(record) for record in call.state.events.values()]}


HANDLERS: dict[str, Handler] = {
    "events_send": events_send,
    "events_list": events_list,
    "campaigns_launch": campaigns_launch,
    "campaigns_list": campaigns_list,
    "campaigns_get": campaigns_get,
}
