"""Account settings: callback/set, callback/get, channels/connections."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from ..views import connection_row
from .base import ApiError, Call, Handler


def callback_set(call: Call) -> dict[str, Any]:
    args = call.args
    url, secret = args["callbackUrl"], args.get("secret", call.state.secret)
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError("Field 'callbackUrl' must be an http(s) URL")
    if secret is not None and not isinstance(secret, str):
        raise ApiError("Field 'secret' must be a string")
    call.state.callback_url, call.state.secret = url, secret or ""
    return {}


def callback_get(call: Call) -> dict[str, Any]:
    if call.sb.variants.callback_get_secret_only:
        return {"secret": call.state.secret}  # the reference's sample answer
    return {"callbackUrl": call.state.callback_url, "secret": call.state.secret}


def channels_connections(call: Call) -> dict[str, Any]:
    if call.sb.variants.connections_as_list:
        # The form seen in public client code: [{id, channel, name}].
        conns = call.state.connections.values()
        return {"data": [{**connection_row(c), "channel": c.channel} for c in conns]}
    # The reference's map form: channel designation -> [{id, name}].
    by_channel: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for conn in call.state.connections.values():
        by_channel[conn.channel].append(connection_row(conn))
    return {"data": dict(by_channel)}


HANDLERS: dict[str, Handler] = {
    "callback_set": callback_set,
    "callback_get": callback_get,
    "channels_connections": channels_connections,
}
