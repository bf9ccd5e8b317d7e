"""What daphne's HTTP server answers to requests it will not pass to the desk.

daphne parses HTTP with Twisted, which gives up on a request before the desk sees it when the
request line is longer than 16 kB (LineReceiver.MAX_LENGTH: it closes the connection without a
word), when the request line and headers together pass 16 kB (HTTPChannel.totalHeadersSize),
or when they are not HTTP (a bare "400 Bad Request" with no body). A browser then shows
"connection reset" and a script has nothing to report. daphne offers no setting for these, so
the desk replaces the two places Twisted answers them, with the desk's JSON errors
(`{"error", "message"}` as in the API): 414 for the long URL, 431 for headers, 400 otherwise;
then the connection is closed, as Twisted did. The limits stay Twisted's.
"""

from __future__ import annotations

import json

from twisted.web.http import HTTPChannel

URL_LIMIT_BYTES = HTTPChannel.totalHeadersSize  # the request line counts toward it too

ANSWERS = {
    414: (
        b"URI Too Long",
        "uri_too_long",
        f"The URL is longer than the desk accepts ({URL_LIMIT_BYTES // 1024} kB).",
    ),
    431: (
        b"Request Header Fields Too Large",
        "headers_too_large",
        f"The request's headers are larger than the desk accepts "
        f"({URL_LIMIT_BYTES // 1024} kB with the URL).",
    ),
    400: (b"Bad Request", "bad_request", "The request is not valid HTTP."),
}


def _answer(channel: HTTPChannel, status: int) -> None:
    reason, error, message = ANSWERS[status]
    body = json.dumps({"error": error, "message": message}).encode()
    head = (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % (status, reason, len(body))
    )
    channel.transport.write(head + body)
    channel.loseConnection()


def _on_first_line(channel: HTTPChannel) -> bool:
    # HTTPChannel.__first_line: true until the request line has been read.
    return bool(getattr(channel, "_HTTPChannel__first_line", False))


def _line_too_long(channel: HTTPChannel, line: bytes) -> None:
    _answer(channel, 414 if _on_first_line(channel) else 431)


def _bad_request(channel: HTTPChannel) -> None:
    if channel._receivedHeaderSize > channel.totalHeadersSize:
        _answer(channel, 414 if _on_first_line(channel) else 431)
    else:
        _answer(channel, 400)


def answer_refused_requests() -> None:
    """Install the answers (idempotent). Called by operator_desk/asgi.py, which daphne imports
    before it starts listening."""
    HTTPChannel.lineLengthExceeded = _line_too_long
    HTTPChannel._respondToBadRequestAndDisconnect = _bad_request
