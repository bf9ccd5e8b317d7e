"""Every HTML page of the desk, from Django's URL resolver, with the least role that opens it.

A page is a route whose view is behind `operators.access.role_required` (which records the least
role on the view) and answers GET, or one of PUBLIC_PAGES. A new page is listed as soon as its
route exists; one with a path parameter nobody gave a value for fails by name (`page_routes`).
Shared by the tests that walk every page (translations, accessibility).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import get_resolver

from operators.roles import Role
from tests.support.routes import url_routes

# Pages anyone opens (no role gate), by route.
PUBLIC_PAGES = {"accounts/login/"}

# Role-gated routes that answer GET but are not pages, and why.
NOT_PAGES = {
    "contacts/export.csv": "a CSV download",
    "reports/period.csv": "a CSV download",
    "contacts/platform/<str:platform_id>/": "a redirect to the contact's profile",
}

# Django's own admin (/django-admin/, "raw data") has no role gate of the desk's and speaks in
# Django's own catalogue: it is not one of the desk's pages.
OTHER_SITES = ("django-admin/",)

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class PageRoute:
    route: str  # as the resolver spells it, e.g. "contacts/<int:contact_id>/"
    url: str  # with the path parameters filled in
    least: Role | None  # None: anyone, signed in or not

    def __str__(self) -> str:
        return self.url


def _layers(view: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    while view is not None:
        yield view
        view = getattr(view, "__wrapped__", None)


def answers_get(view: Callable[..., Any]) -> bool:
    """False for a view behind require_POST (or require_http_methods without GET): Django's
    decorator keeps its list of methods only in its closure."""
    for layer in _layers(view):
        if not inspect.isfunction(layer):
            continue
        methods = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
        if methods is not None and "GET" not in methods:
            return False
    return True


def page_routes(values: Mapping[str, Any]) -> list[PageRoute]:
    """Each page with its URL, path parameters taken from `values` by name (`contact_id`, ...)."""
    pages = []
    for route, pattern in url_routes(get_resolver().url_patterns):
        if route.startswith(OTHER_SITES) or route in NOT_PAGES:
            continue
        view = pattern.callback
        least = getattr(view, "least_role", None)
        if route not in PUBLIC_PAGES and (least is None or not answers_get(view)):
            continue
        missing = [name for name in PARAMETER.findall(route) if name not in values]
        assert not missing, f"page {route!r}: give page_routes a value for {missing}"
        url = "/" + PARAMETER.sub(lambda match: str(values[match.group(1)]), route)
        pages.append(PageRoute(route=route, url=url, least=least))
    return pages
