"""A Content-Security-Policy on every answer.

Operators read text that strangers typed into messengers, so the desk treats the page as hostile
territory: scripts and styles come only from the desk's own static files (no inline script, no
eval), the page cannot be framed, forms post only to the desk, and the only network peers are
the desk itself and its websocket. Images and media in messages may come from the platform's
host and `DESK_CSP_MEDIA_SOURCES` (by default any https: origin, where media storages live).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(request: HttpRequest) -> str:
    """The policy for one request (the websocket source names the host the page came from)."""
    media = ["'self'", "data:", "blob:", *settings.DESK_CSP_MEDIA_SOURCES]
    platform = _origin(settings.FROMNI_BASE_URL)
    if platform and platform not in media:
        media.append(platform)
    host = request.get_host()
    sockets = f"wss://{host}" if request.is_secure() else f"ws://{host} wss://{host}"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(media),
        "media-src": " ".join(media),
        "connect-src": f"'self' {sockets}",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            try:
                response[HEADER] = content_security_policy(request)
            except DisallowedHost:  # answered 400 already; nothing on it may load anything
                response[HEADER] = "default-src 'none'; frame-ancestors 'none'"
        return response
