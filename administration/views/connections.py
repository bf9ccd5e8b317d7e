"""The platform's connections (channels), and which teams and operators see each."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from administration import selectors, services
from administration.forms import (
    ConnectionAccessForm,
)
from administration.views.common import (
    act,
    admin_page,
)
from fromni.errors import FromniError


def _platform_connections() -> tuple[list, str | None]:
    try:
        return selectors.platform_connections(), None
    except FromniError as error:
        return [], str(error)


@require_GET
@admin_page
def connections(request: HttpRequest) -> HttpResponse:
    rows, error = _platform_connections()
    return render(
        request,
        "administration/connections.html",
        {"channels": selectors.connections_overview(rows), "platform_error": error},
    )


@require_http_methods(["GET", "POST"])
@admin_page
def connection_detail(request: HttpRequest, platform_id: int) -> HttpResponse:
    rows, error = _platform_connections()
    platform_row = next((r for r in rows if int(r.id) == platform_id), None)
    overview = [
        row
        for _, channel_rows in selectors.connections_overview(rows)
        for row in channel_rows
        if row.platform_id == platform_id
    ]
    if not overview:
        return render(
            request,
            "administration/not_found.html",
            {"what": _("connection %(id)s") % {"id": platform_id}, "platform_error": error},
            status=404,
        )
    row = overview[0]
    if request.method == "POST":
        form = ConnectionAccessForm(request.POST)
        if form.is_valid():
            return act(
                request,
                lambda: services.connection_access_set(
                    actor=request.user,
                    platform_id=platform_id,
                    platform_row=platform_row,
                    **form.cleaned_data,
                ),
                _("Saved who sees connection %(name)s.") % {"name": row.name or platform_id},
                reverse("administration:connections"),
            )
    else:
        form = ConnectionAccessForm(
            initial={"served": row.served, "teams": row.teams, "operators": row.operators}
        )
    return render(
        request,
        "administration/connection.html",
        {"row": row, "form": form, "platform_error": error},
        status=400 if form.errors else 200,
    )
