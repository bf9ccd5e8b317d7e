"""The platform API, `POST /user/{path}`: token, JSON body, required fields, faults, routing.

Routing comes from `fromni.methods.METHODS_BY_PATH` and nothing else, so the sandbox serves
exactly the client's method table (unless a test renames a path: Variants.renamed_paths).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fromni.methods import METHODS, METHODS_BY_PATH, Method

from . import faults
from .app import Sandbox
from .clock import now_iso
from .handlers import ALL as HANDLERS
from .handlers.base import Call
from .responses import Response, api_error, json_response
from .variants import Variants, incoming, outgoing

log = logging.getLogger(__name__)

PREFIX = "/user/"
_NOT_JSON = object()
# A request body as kept in the request log when it is not JSON (first characters only).
_LOGGED_TEXT_CHARS = 2000

if set(HANDLERS) != set(METHODS):
    raise RuntimeError(
        "sandbox handlers and fromni.methods.METHODS differ: "
        f"unhandled {sorted(set(METHODS) - set(HANDLERS))}, "
        f"unknown {sorted(set(HANDLERS) - set(METHODS))}"
    )


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _NOT_JSON


def _missing_field(method: Method, body: Any, variants: Variants) -> str | None:
    required = method.required
    if method.name == "notifications_send" and variants.notification_channels_optional:
        required = tuple(name for name in required if name != "channels")
    if not required:
        return None
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    for name in required:
        if body.get(name) in (None, ""):
            return f"Field '{name}' is required"
    return None


def _process(
    sb: Sandbox, method: Method, authorization: str | None, body: Any, base_url: str, epoch: int
) -> Response:
    if (authorization or "").strip() != f"Token {sb.config.token}":
        return api_error(401, "Invalid token")
    if body is _NOT_JSON:
        return api_error(500, "Request body is not valid JSON")
    variants = sb.variants
    problem = _missing_field(method, body, variants)
    if problem:
        return api_error(500, problem)
    body = incoming(variants, sb.id_numbers, body)
    try:
        with sb.transaction() as state:
            if sb.resets != epoch:
                # A call held back by a `timeout` fault across a reset: it belongs to before.
                return api_error(500, "The sandbox was reset while this call waited")
            if method.retry_safe:
                answer = HANDLERS[method.name](Call(sb, state, body, base_url))
            else:
                with sb.api_write():
                    answer = HANDLERS[method.name](Call(sb, state, body, base_url))
    except ValueError as exc:  # the handlers' way of saying "the platform refuses this"
        return api_error(500, str(exc))
    except Exception:
        log.exception("sandbox handler %s failed", method.name)
        return api_error(500, "Internal error")
    return json_response(200, outgoing(variants, sb.id_numbers, {"result": "success", **answer}))


def handle(
    sb: Sandbox, path: str, authorization: str | None, raw: bytes, base_url: str
) -> Response:
    """Answer `POST /user/{path}` and record it in the request log."""
    received = now_iso()
    name = path[len(PREFIX) :].strip("/")
    # The table's path of what was asked for (renamed_paths serves some under another name).
    table_path = sb.variants.method_path(name)
    method = METHODS_BY_PATH.get(table_path) if table_path else None
    if method is None:
        return api_error(404, f"Unknown method '{name}'")
    body = _decode(raw)
    epoch = sb.resets

    def real() -> Response:
        return _process(sb, method, authorization, body, base_url, epoch)

    fault = sb.faults.take(method.path)
    answer = faults.apply(fault, real, sb.stopping) if fault else real()
    logged = raw.decode("utf-8", "replace")[:_LOGGED_TEXT_CHARS] if body is _NOT_JSON else body
    status = None if answer.drop else answer.status
    with sb.transaction():
        if sb.resets == epoch:  # a call from before a reset is not logged after it
            sb.requests.append({"path": name, "body": logged, "status": status, "at": received})
    return answer
