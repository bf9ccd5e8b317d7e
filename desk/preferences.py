"""The pages' language switcher and an operator's own settings page (language, time zone)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from pydantic import ValidationError

from desk.inputs import LanguageInput, PreferencesInput
from operators.access import role_required
from operators.models import OperatorProfile
from operators.preferences import (
    desk_time_zone,
    operator_preferences_set,
    time_zone_choices,
)
from operators.roles import Role


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, the way back to `next`), and for a signed-in operator
    the choice kept in their profile too, so it follows them to any browser. An unknown
    language changes nothing, as in Django's own view."""
    if request.user.is_authenticated:
        try:
            chosen = LanguageInput.model_validate(request.POST.dict())
        except ValidationError:
            chosen = None
        if chosen and chosen.language:
            operator_preferences_set(user=request.user, language=chosen.language)
    return set_language(request)


_MISSING = {
    "language": lambda: gettext("Choose a language."),
    "time_zone": lambda: gettext("Choose a time zone."),
}


def _form_errors(error: ValidationError) -> dict[str, str]:
    """{field: what is wrong, in the reader's language}: the input's own message names the
    value that was sent (operators.preferences)."""
    found: dict[str, str] = {}
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else "language"
        if item["type"] == "missing" and field in _MISSING:
            found.setdefault(field, _MISSING[field]())
        else:
            found.setdefault(field, item["msg"])
    return found


def _settings_page(request: HttpRequest, errors: dict[str, str], status: int = 200) -> HttpResponse:
    profile, _ = OperatorProfile.objects.get_or_create(user=request.user)
    context: dict[str, Any] = {
        "chosen_language": profile.language,
        "chosen_time_zone": profile.time_zone,
        "desk_time_zone": desk_time_zone(),
        "time_zones": time_zone_choices(),
        "errors": errors,
    }
    return render(request, "desk/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.AGENT)
def my_settings(request: HttpRequest) -> HttpResponse:
    """GET the form; POST saves both fields or, if either is wrong, neither (400, saying why)."""
    if request.method == "GET":
        return _settings_page(request, {})
    try:
        chosen = PreferencesInput.model_validate(request.POST.dict())
    except ValidationError as error:
        return _settings_page(request, _form_errors(error), status=400)
    operator_preferences_set(
        user=request.user, language=chosen.language, time_zone=chosen.time_zone
    )
    if chosen.language:
        translation.activate(chosen.language)  # the answer is in the language just chosen
    messages.success(request, gettext("Settings saved."))
    response = redirect("desk:my-settings")
    # The cookie says the same as the profile, so the login page after signing out does too;
    # "the browser's" forgets an earlier choice.
    if chosen.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
