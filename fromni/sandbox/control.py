"""The control API, `/_sandbox/...`: what tests, benchmarks and demos use to drive the platform.

No token: it stands for the users, the messengers and the platform's own operators.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fromni.methods import MESSAGE_STATUSES

from .app import Sandbox
from .clock import in_seconds, iso
from .dialogs import (
    DEFAULT_WINDOW_SECONDS,
    GREETING,
    contact_for,
    default_history,
    find_message,
    open_dialog,
    pick_connection,
    set_status,
    user_writes,
)
from .faults import parse_fault
from .profiles import merge_contacts, update_contact
from .responses import Response, control_error, json_response
from .showcase import showcase
from .state import Conversation, PlatformState
from .variants import updated
from .views import contact as contact_view
from .views import operator_mode

PREFIX = "/_sandbox/"
OK = {"ok": True}


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def _number(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ControlError(400, f"{name} must be a non-negative number")
    return float(value)


def _id(sb: Sandbox, value: Any) -> Any:
    """An id as the API shows it now: the number numericIds gave a hex id names it too."""
    return sb.id_numbers.hex_id(value)


def _conversation(state: PlatformState, conv_id: str) -> Conversation:
    conv = state.conversations.get(conv_id)
    if conv is None:
        raise ControlError(404, f"Conversation {conv_id} not found")
    return conv


def _text_and_attachments(body: dict[str, Any]) -> tuple[str, list[Any]]:
    text, attachments = body.get("text") or "", body.get("attachments") or []
    if not isinstance(text, str) or not isinstance(attachments, list):
        raise ControlError(400, "text must be a string and attachments an array")
    if not text and not attachments:
        raise ControlError(400, "text (or attachments) is required")
    return text, attachments


# --- routes: each takes (sandbox, path match, JSON body) -------------------------------------

Route = Callable[["Sandbox", re.Match[str], Any], Response]


def health(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    return json_response(200, OK)


def reset(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    sb.reset()
    return json_response(200, OK)


def open_conversation(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    args = _object(body)
    text = args.get("text") or GREETING
    history = args.get("history")
    if history is None:
        history = default_history(text)
    if not isinstance(history, list) or not all(
        isinstance(item, dict) and isinstance(item.get("text"), str) for item in history
    ):
        raise ControlError(400, "history must be an array of {text, out}")
    contact = args.get("contact")
    if contact is not None and not isinstance(contact, dict):
        raise ControlError(400, "contact must be an object")
    window = _number(args, "windowSeconds", DEFAULT_WINDOW_SECONDS)
    with sb.transaction() as state:
        conn_id = args.get("connectionId")
        conn = pick_connection(state, args.get("channel"), int(conn_id) if conn_id else None)
        person = contact_for(sb, state, conn.channel, contact)
        conv = open_dialog(sb, state, conn, person, history=history, window_seconds=window)
        answer = {
            "id": conv.id,
            "contactId": person.id,
            "connectionId": conn.id,
            "expiresAt": iso(conv.expires_at),
        }
    return json_response(201, answer)


def user_message(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    text, attachments = _text_and_attachments(_object(body))
    with sb.transaction() as state:
        user_writes(sb, _conversation(state, _id(sb, match["id"])), text, attachments)
    return json_response(201, OK)


def operator_messages(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    with sb.transaction() as state:
        conv = _conversation(state, _id(sb, match["id"]))
        data = [
            {
                "messageId": msg.id,
                "text": msg.text,
                "attachments": msg.attachments,
                "status": msg.status,
                "receivedAt": msg.date,
            }
            for msg in conv.messages
            if msg.from_operator
        ]
    return json_response(200, {"data": data})


def change_operator_mode(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    args = _object(body)
    with sb.transaction() as state:
        conv = _conversation(state, _id(sb, match["id"]))
        if "isActive" in args:
            conv.operator_active = bool(args["isActive"])
        if "expiresInSeconds" in args:
            conv.expires_at = in_seconds(_number(args, "expiresInSeconds", 0))
        answer = {"operatorMode": operator_mode(conv)}
    return json_response(200, answer)


def message_status(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    status = _object(body).get("status")
    if status not in MESSAGE_STATUSES:
        raise ControlError(400, f"status must be one of {', '.join(MESSAGE_STATUSES)}")
    with sb.transaction() as state:
        conv = _conversation(state, _id(sb, match["id"]))
        msg = find_message(conv, int(match["message"]))
        if msg is None:
            raise ControlError(404, f"Message {match['message']} not found")
        set_status(sb, conv, msg, status)
    return json_response(200, OK)


def platform_updates_contact(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    changes = _object(body)
    with sb.transaction() as state:
        person = state.contacts.get(_id(sb, match["id"]))
        if person is None:
            raise ControlError(404, f"Contact {match['id']} not found")
        update_contact(sb, state, person, changes)
        answer = {"contact": contact_view(state, person)}
    return json_response(200, answer)


def merge(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    args = _object(body)
    with sb.transaction() as state:
        kept, gone = (
            state.contacts.get(_id(sb, args.get(k))) for k in ("preservedId", "deletedId")
        )
        if kept is None or gone is None:
            raise ControlError(404, "preservedId and deletedId must name existing contacts")
        if kept.id == gone.id:
            raise ControlError(400, "cannot merge a contact with itself")
        merge_contacts(sb, state, preserved=kept, deleted=gone)
    return json_response(200, OK)


def add_fault(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    sb.faults.add(parse_fault(body))
    return json_response(200, OK)


def clear_faults(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    sb.faults.clear()
    return json_response(200, OK)


def variants_get(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    return json_response(200, sb.variants.as_json())


def variants_set(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    """Change some switches (the others keep their value); reset restores the start's."""
    sb.variants = updated(sb.variants, _object(body))
    return json_response(200, sb.variants.as_json())


def play_showcase(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    """Campaigns and notifications of the account's other users (the demo's pages need them)."""
    with sb.transaction() as state:
        return json_response(201, showcase(sb, state))


def callback_attempts(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    return json_response(200, {"data": sb.callbacks.attempts.snapshot()})


def api_requests(sb: Sandbox, match: re.Match[str], body: Any) -> Response:
    return json_response(200, {"data": sb.requests.snapshot()})


_ID = r"(?P<id>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], Route]] = [
    (verb, re.compile(PREFIX + pattern), route)
    for verb, pattern, route in (
        ("GET", "health", health),
        ("POST", "reset", reset),
        ("POST", "conversations", open_conversation),
        ("POST", f"conversations/{_ID}/messages", user_message),
        ("GET", f"conversations/{_ID}/messages", operator_messages),
        ("POST", f"conversations/{_ID}/operator-mode", change_operator_mode),
        ("POST", f"conversations/{_ID}/messages/(?P<message>\\d+)/status", message_status),
        ("POST", "contacts/merge", merge),
        ("POST", f"contacts/{_ID}/update", platform_updates_contact),
        ("POST", "faults", add_fault),
        ("DELETE", "faults", clear_faults),
        ("GET", "variants", variants_get),
        ("POST", "variants", variants_set),
        ("POST", "showcase", play_showcase),
        ("GET", "callbacks", callback_attempts),
        ("GET", "requests", api_requests),
    )
]


def handle(sb: Sandbox, verb: str, path: str, raw: bytes) -> Response:
    matched = [(v, m, route) for v, pattern, route in ROUTES if (m := pattern.fullmatch(path))]
    if not matched:
        return control_error(404, f"No control route {path}")
    chosen = next(((m, route) for v, m, route in matched if v == verb), None)
    if chosen is None:
        return control_error(405, f"{verb} is not allowed on {path}")
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        return control_error(400, "body is not valid JSON")
    match, route = chosen
    try:
        return route(sb, match, body)
    except ControlError as exc:
        return control_error(exc.status, str(exc))
    except LookupError as exc:
        return control_error(404, str(exc).strip("'\""))
    except ValueError as exc:
        return control_error(400, str(exc))
