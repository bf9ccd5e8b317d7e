"""Registering the desk's callback URL with the platform, and rotating its secret."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from administration import selectors, services
from administration.forms import (
    CallbackRegisterForm,
)
from administration.views.common import (
    ACTION_ERRORS,
    admin_page,
    error_text,
)
from fromni.errors import FromniError


def _callback_url_default(request: HttpRequest) -> str:
    path = reverse("fromni-callback")
    if settings.DESK_PUBLIC_URL:
        return settings.DESK_PUBLIC_URL + path
    return request.build_absolute_uri(path)


@require_GET
@admin_page
def callback(request: HttpRequest) -> HttpResponse:
    current = selectors.callback_secret_current()
    form = CallbackRegisterForm(
        initial={
            "callback_url": current.callback_url if current else _callback_url_default(request)
        }
    )
    return _callback_page(request, form)


def _callback_page(request: HttpRequest, form: CallbackRegisterForm, status: int = 200):
    platform_settings, platform_error = None, None
    try:
        platform_settings = selectors.platform_callback_settings()
    except FromniError as error:
        platform_error = str(error)
    return render(
        request,
        "administration/callback.html",
        {
            "form": form,
            "platform": platform_settings,
            "platform_secret": selectors.mask(
                platform_settings.secret if platform_settings else None
            ),
            "platform_secret_is": selectors.callback_secret_describe(
                platform_settings.secret if platform_settings else None
            ),
            "platform_error": platform_error,
            "secrets": selectors.callback_secrets_accepted(),
            "environment_secrets": len(settings.FROMNI_CALLBACK_SECRETS),
            "grace_hours": settings.FROMNI_CALLBACK_SECRET_GRACE_HOURS,
        },
        status=status,
    )


def _registration_message(request: HttpRequest, registration: services.CallbackRegistration):
    secret = registration.secret
    grace = settings.FROMNI_CALLBACK_SECRET_GRACE_HOURS
    if registration.confirmed:
        messages.success(
            request,
            _(
                "Registered %(url)s with a new secret (%(fingerprint)s). The previous secret "
                "stays accepted for %(hours)s h."
            )
            % {
                "url": secret.callback_url,
                "fingerprint": secret.fingerprint,
                "hours": f"{grace:g}",
            },
        )
    else:
        messages.warning(
            request,
            _(
                "The platform did not answer (%(error)s). It may have taken the new secret "
                "%(fingerprint)s, which the desk accepts until %(until)s UTC; check the settings "
                "the platform reports below, or register again."
            )
            % {
                "error": registration.error,
                "fingerprint": secret.fingerprint,
                "until": f"{secret.expires_at:%Y-%m-%d %H:%M}",
            },
        )


@require_POST
@admin_page
def callback_register(request: HttpRequest) -> HttpResponse:
    form = CallbackRegisterForm(request.POST)
    if not form.is_valid():
        return _callback_page(request, form, status=400)
    try:
        registration = services.callback_register(
            actor=request.user, callback_url=form.cleaned_data["callback_url"]
        )
    except ACTION_ERRORS as error:
        form.add_error(None, error_text(error))
        return _callback_page(request, form, status=502)
    _registration_message(request, registration)
    return redirect("administration:callback")


@require_POST
@admin_page
def callback_rotate(request: HttpRequest) -> HttpResponse:
    try:
        registration = services.callback_secret_rotate(actor=request.user)
    except ACTION_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        _registration_message(request, registration)
    return redirect("administration:callback")
