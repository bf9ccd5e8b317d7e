"""The account page's probe button: thin, the work is administration.probe's."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from administration.probe import platform_probe
from administration.views import _account_context, admin_page


@require_POST
@admin_page
def account_probe(request: HttpRequest) -> HttpResponse:
    # Shown on this answer, not after a redirect: it is a reading, not a change.
    report = platform_probe(actor=request.user, via="account page")
    context = {**_account_context(), "probe": report}
    return render(request, "administration/account.html", context)
