"""Which pages may open the operators' websocket: the desk's own, by scheme, host and port.

The session cookie goes with every request to the desk's host whatever page makes it, and a
browser lets any page open a websocket; the Origin header is the only sign of whose page it is.
channels' AllowedHostsOriginValidator compares host names only, so `http://localhost:9999` (any
other program on the host an operator signs in from) could open a socket with their cookie and
read their queue. Here an origin must match, scheme, host and port, one of:

- the address the socket itself was opened on: its Host header (one of ALLOWED_HOSTS, port
  included) with http, or https when the socket is secure or the proxy says so in
  SECURE_PROXY_SSL_HEADER (as Django decides for the pages);
- CSRF_TRUSTED_ORIGINS (the addresses Django accepts forms from; `https://*.example.com` covers
  subdomains) and DESK_PUBLIC_URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host (lower case), port


def parse_origin(value: str) -> Origin | None:
    """An origin as browsers send it (`https://desk.example.com`, port only when not the
    default); None for anything else, `null` included."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return ""


def _is_secure(scope: dict[str, Any]) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        header = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        return _header(scope, header).split(",", 1)[0].strip() == secure_value
    return False


def own_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin of the address the socket was opened on, if its host is one of ours."""
    host = _header(scope, b"host")
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:  # as Django does for the pages
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed):
        return None
    return parse_origin(f"{'https' if _is_secure(scope) else 'http'}://{host}")


def _configured_match(origin: Origin) -> bool:
    configured = [*settings.CSRF_TRUSTED_ORIGINS, settings.DESK_PUBLIC_URL or ""]
    for value in configured:
        wildcard = "://*." in value
        allowed = parse_origin(value.replace("://*.", "://", 1) if wildcard else value)
        if allowed is None:
            continue
        scheme, host, port = allowed
        if origin[0] != scheme or origin[2] != port:
            continue
        if origin[1] == host or (wildcard and is_same_domain(origin[1], f".{host}")):
            return True
    return False


def origin_allowed(scope: dict[str, Any]) -> bool:
    origin = parse_origin(_header(scope, b"origin"))
    if origin is None:
        return False
    return origin == own_origin(scope) or _configured_match(origin)


class SameOriginValidator:
    """ASGI middleware for websockets: refuses (closes before accepting) a socket whose Origin
    is not one of the desk's own (see the module's doc)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
