"""The admin area's front page: the callback secret in use, the operators, recent changes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from administration import selectors
from administration.views.common import (
    admin_page,
)
from operators.preferences import desk_time_zone_chosen, time_zone_choices


@require_GET
@admin_page
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "administration/index.html",
        {
            "current_secret": selectors.callback_secret_current(),
            "operators": selectors.operators_overview(),
            "recent": selectors.audit_entries()[:10],
            "desk_time_zone": desk_time_zone_chosen(),
            "default_time_zone": settings.DESK_TIME_ZONE,
            "time_zones": time_zone_choices(),
        },
    )
