"""Which origins may open the operators' websocket (operator_desk/origins.py): the address the
socket was opened on, CSRF_TRUSTED_ORIGINS and DESK_PUBLIC_URL, by scheme, host and port.
tests/test_live_edges.py tries the same against a real daphne."""

from __future__ import annotations

import pytest

from operator_desk.origins import origin_allowed


def scope(origin: str | None, host: str, scheme: str = "ws", **headers: str) -> dict:
    pairs = [(b"host", host.encode())]
    if origin is not None:
        pairs.append((b"origin", origin.encode()))
    pairs += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": pairs}


@pytest.fixture(autouse=True)
def desk_addresses(settings):
    settings.ALLOWED_HOSTS = ["desk.example.com", "127.0.0.1", "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.DESK_PUBLIC_URL = None


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://localhost:8000", "localhost:8000", True),
        ("http://desk.example.com", "desk.example.com", True),
        ("http://desk.example.com:80", "desk.example.com", True),  # the default port, spelt out
        ("http://localhost:9999", "localhost:8000", False),  # another program on the host
        ("http://127.0.0.1", "127.0.0.1:8000", False),
        ("https://127.0.0.1:8000", "127.0.0.1:8000", False),  # the socket is plain
        ("http://localhost:8000", "127.0.0.1:8000", False),  # another name, another origin
        ("http://evil.example", "evil.example", False),  # a host that is not the desk's
        ("null", "127.0.0.1:8000", False),  # a sandboxed frame or a file
        (None, "127.0.0.1:8000", False),
        ("http://127.0.0.1:8000/desk", "127.0.0.1:8000", False),  # not an origin at all
    ],
)
def test_the_address_the_socket_was_opened_on(origin, host, allowed):
    assert origin_allowed(scope(origin, host)) is allowed


def test_behind_a_tls_proxy_the_page_is_https():
    behind = {"host": "desk.example.com", "x_forwarded_proto": "https"}
    assert origin_allowed(scope("https://desk.example.com", **behind))
    assert not origin_allowed(scope("http://desk.example.com", **behind))
    assert not origin_allowed(scope("https://desk.example.com:8443", **behind))
    assert origin_allowed(scope("https://desk.example.com", "desk.example.com", scheme="wss"))


def test_configured_origins_are_accepted_exactly(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://desk.example.com:8443", "https://*.corp.example"]
    settings.DESK_PUBLIC_URL = "https://operators.example.net"
    plain = "127.0.0.1:8000"
    assert origin_allowed(scope("https://desk.example.com:8443", plain))
    assert not origin_allowed(scope("https://desk.example.com:9443", plain))
    assert not origin_allowed(scope("http://desk.example.com:8443", plain))
    assert origin_allowed(scope("https://eu.corp.example", plain))
    assert not origin_allowed(scope("https://eu.corp.example:444", plain))
    assert not origin_allowed(scope("https://corp.example.evil", plain))
    assert origin_allowed(scope("https://operators.example.net", plain))
    assert not origin_allowed(scope("https://operators.example.net:8080", plain))
