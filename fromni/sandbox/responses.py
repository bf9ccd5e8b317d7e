"""What a route answers, independent of the socket: a status, a body and its type."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # True: close the connection without answering at all (the `drop` fault).
    drop: bool = False


DROP = Response(status=0, drop=True)


def json_response(status: int, payload: Any) -> Response:
    return Response(status=status, body=json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def api_error(status: int, message: str) -> Response:
    """The platform's error body: `{"result": "error", "message": ...}`."""
    return json_response(status, {"result": "error", "message": message})


def control_error(status: int, message: str) -> Response:
    return json_response(status, {"ok": False, "error": message})
