"""What an admin sets for the whole desk on its pages: its time zone."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from administration.inputs import DeskTimeZoneInput
from administration.views.common import admin_page
from operators.preferences import desk_time_zone, desk_time_zone_set


@require_POST
@admin_page
def time_zone(request: HttpRequest) -> HttpResponse:
    try:
        chosen = DeskTimeZoneInput.model_validate(request.POST.dict())
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        text = gettext("Choose a time zone.") if first["type"] == "missing" else first["msg"]
        messages.error(request, text)
    else:
        if desk_time_zone_set(actor=request.user, time_zone=chosen.time_zone):
            messages.success(
                request,
                gettext("The desk's time zone is now %(zone)s.") % {"zone": desk_time_zone()},
            )
    return redirect("administration:index")
