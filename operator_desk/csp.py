"""The websocket's part of the Content-Security-Policy, which the settings file cannot know.

django-csp sends the policy written in `settings.CONTENT_SECURITY_POLICY` (the reasons for each
directive are there). One source depends on the request: the page's websocket goes to the host
the page was asked for, and `connect-src 'self'` does not cover `ws:`/`wss:` in every browser the
operators use, so the socket's origin is named. This subclass adds it through django-csp's hook
for policies made per request (`get_policy_parts`).

It also writes the directives in the settings' order: django-csp joins them in the order of a
Python set, which changes from one process to the next, and a header that reads the same from
every daphne process is easier to compare and to test.

As django-csp does, a 404 or 500 answer goes without the header while DEBUG is on, so that
Django's debug pages (inline styles and script) can be read; production never runs with DEBUG.
"""

from __future__ import annotations

from csp.constants import HEADER, NONE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

# For an answer whose host cannot be named (a bad Host header): nothing on it may load anything.
LOCKED_DOWN = {"default-src": [NONE], "frame-ancestors": [NONE]}


def _in_settings_order(policy: str) -> str:
    rank = {
        name: index for index, name in enumerate(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    }
    directives = policy.split("; ")
    return "; ".join(sorted(directives, key=lambda item: rank.get(item.split(" ")[0], len(rank))))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()
        except DisallowedHost:
            parts.config, parts.update, parts.replace = LOCKED_DOWN, None, None
            return parts
        sockets = [f"wss://{host}"] if request.is_secure() else [f"ws://{host}", f"wss://{host}"]
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), *sockets]
        parts.update = update
        return parts

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        if HEADER in response:
            response[HEADER] = _in_settings_order(response[HEADER])
        return response
