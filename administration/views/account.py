"""The platform account: where the desk talks to Fromni, and the buttons that check it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from administration import selectors
from administration.probe import platform_probe
from administration.views.common import (
    admin_page,
)


def _account_context(check: selectors.PlatformCheck | None = None) -> dict[str, Any]:
    return {
        "base_url": settings.FROMNI_BASE_URL,
        "token": selectors.mask(settings.FROMNI_API_TOKEN),
        "token_source": settings.FROMNI_API_TOKEN_SOURCE,
        "timeouts": (settings.FROMNI_CONNECT_TIMEOUT, settings.FROMNI_READ_TIMEOUT),
        "check": check,
    }


@require_GET
@admin_page
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/account.html", _account_context())


@require_POST
@admin_page
def account_test(request: HttpRequest) -> HttpResponse:
    # Shown on this answer, not after a redirect: it is a reading, not a change.
    check = selectors.platform_check()
    return render(request, "administration/account.html", _account_context(check))


@require_POST
@admin_page
def account_probe(request: HttpRequest) -> HttpResponse:
    # Shown on this answer, not after a redirect: it is a reading, not a change.
    report = platform_probe(actor=request.user, via="account page")
    context = {**_account_context(), "probe": report}
    return render(request, "administration/account.html", context)
