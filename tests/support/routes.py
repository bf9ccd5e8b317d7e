"""The URLconf's routes as Django's resolver spells them, for the tests that walk every route
(tests/test_permissions.py, tests/test_accessibility_browser.py): a new page is walked as soon
as it is mounted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.urls import URLPattern, URLResolver


def url_routes(patterns: Iterable, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) for every pattern, includes flattened; the route is the prefixes'
    patterns joined, as `resolve(path).route` reports it."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern
