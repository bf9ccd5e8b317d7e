"""Daphne stops reading a callback body at the size limit.

Under daphne, Twisted reads a request's whole body (into memory, or a temporary file past
100 kB) before the ASGI application sees any of it, so the endpoint's own limit only decided
the answer after a 50 MB body had been read to its end. Daphne has no setting for a limit, so
its request class gets one here, for the callback route only: a declared length over the limit
is answered 413 as soon as the headers are in, and a body without one (chunked) as soon as what
arrived passes the limit; the connection is then closed and nothing more is read. The answer is
the endpoint's own 413 (callbacks/intake.py). Installed by operator_desk/asgi.py, which daphne
imports before it starts serving.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from io import BytesIO
from typing import Any
from urllib.parse import unquote, urlsplit

from daphne.http_protocol import WebRequest


def _target_path(request: WebRequest) -> str | None:
    # The request line's target, as daphne makes the scope's path of it; the channel holds it
    # while the body is read (Twisted sets request.path only once the body is complete).
    target = getattr(request.channel, "_path", None)
    try:
        return unquote(urlsplit(target).path.decode("ascii")) if target else None
    except UnicodeDecodeError:
        return None


def _answer(status: int, reason: str, payload: dict[str, Any]) -> bytes:
    body = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def limit_callback_bodies(*, paths: Collection[str], limit: int, refusal: dict[str, Any]) -> None:
    """Make daphne answer `refusal` (a 413) to a body over `limit` bytes sent to `paths`,
    without reading the rest of it."""
    answer = _answer(413, "Content Too Large", refusal)
    paths = frozenset(paths)
    got_length = WebRequest.__dict__.get("_desk_got_length", WebRequest.gotLength)
    content_chunk = WebRequest.__dict__.get("_desk_content_chunk", WebRequest.handleContentChunk)
    received = WebRequest.__dict__.get("_desk_request_received", WebRequest.requestReceived)

    def refuse(request: WebRequest) -> None:
        request._desk_refused = True
        channel = request.channel
        # Twisted answers "Expect: 100-continue" right after gotLength; not after a refusal.
        channel._send100Continue = lambda: None
        channel.transport.write(answer)
        channel.loseConnection()

    def gotLength(self: WebRequest, length: int | None) -> None:
        self._desk_limited = _target_path(self) in paths
        self._desk_received = 0
        self._desk_refused = False
        if self._desk_limited and length is not None and length > limit:
            self.content = BytesIO()
            refuse(self)
            return
        got_length(self, length)

    def handleContentChunk(self: WebRequest, data: bytes) -> None:
        if getattr(self, "_desk_refused", False):
            return  # the rest of what was already received; the connection is closing
        if getattr(self, "_desk_limited", False):
            self._desk_received += len(data)
            if self._desk_received > limit:
                refuse(self)
                return
        content_chunk(self, data)

    def requestReceived(self: WebRequest, command: bytes, path: bytes, version: bytes) -> None:
        if getattr(self, "_desk_refused", False):
            return  # answered already: the application never sees it
        received(self, command, path, version)

    # The originals are kept, so that installing twice (tests import the application again)
    # wraps them once.
    WebRequest._desk_got_length = got_length
    WebRequest._desk_content_chunk = content_chunk
    WebRequest._desk_request_received = received
    WebRequest.gotLength = gotLength
    WebRequest.handleContentChunk = handleContentChunk
    WebRequest.requestReceived = requestReceived
