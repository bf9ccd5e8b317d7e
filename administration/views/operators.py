"""Operators (create, role, team, capacity, password, deactivate) and teams."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from administration import selectors, services
from administration.forms import (
    ConfirmForm,
    OperatorChangeForm,
    OperatorCreateForm,
    TeamForm,
)
from administration.views.common import (
    ACTION_ERRORS,
    act,
    admin_page,
    error_text,
    form_refused,
)
from operators.models import Team
from operators.roles import Role
from operators.sign_in import lockouts_current, sign_in_unlock


def _operators_page(request: HttpRequest, form: OperatorCreateForm, **extra: Any) -> HttpResponse:
    return render(
        request,
        "administration/operators.html",
        {
            "rows": selectors.operators_overview(),
            "teams": selectors.teams_listed(),
            "form": form,
            "team_form": TeamForm(),
            "lockouts": lockouts_current(),
            **extra,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_page
def operators(request: HttpRequest) -> HttpResponse:
    form = OperatorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        generated = not data["password"]
        password = data.pop("password") or services.password_generate()
        try:
            user = services.operator_add(actor=request.user, password=password, **data)
        except ACTION_ERRORS as error:
            form.add_error(None, error_text(error))
        else:
            # Shown in this answer only: never stored, never put in a message or a URL.
            return _operators_page(
                request,
                OperatorCreateForm(),
                created=user,
                password=password if generated else None,
            )
    return _operators_page(request, form)


def _operator(user_id: int) -> User:
    return get_object_or_404(User.objects.select_related("operator__team"), pk=user_id)


def _operator_page(
    request: HttpRequest, user: User, form: OperatorChangeForm | None = None, **extra: Any
) -> HttpResponse:
    role = selectors.operator_role(user)
    if form is None:
        profile = getattr(user, "operator", None)
        form = OperatorChangeForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "role": role.value if role else Role.AGENT.value,
                "team": profile.team if profile else None,
                "capacity": profile.capacity if profile else 5,
            }
        )
    return render(
        request,
        "administration/operator.html",
        {
            "subject": user,
            "role": role,
            "form": form,
            "confirm_form": ConfirmForm(),
            "lockouts": [lock for lock in lockouts_current() if lock.username == user.username],
            **extra,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_page
def operator_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _operator(user_id)
    if request.method == "GET":
        return _operator_page(request, user)
    form = OperatorChangeForm(request.POST)
    if form.is_valid():
        try:
            changes = services.operator_change(actor=request.user, user=user, **form.cleaned_data)
        except ACTION_ERRORS as error:
            form.add_error(None, error_text(error))
        else:
            changed = ", ".join(changes) or _("nothing")
            messages.success(
                request,
                _("Saved %(name)s: %(changed)s changed.")
                % {"name": user.username, "changed": changed},
            )
            return redirect("administration:operator", user_id=user.pk)
    return _operator_page(request, user, form)


@require_POST
@admin_page
def operator_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _operator(user_id)
    back = reverse("administration:operator", kwargs={"user_id": user.pk})
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, _("Tick the confirmation to deactivate the operator."))
        return redirect(back)
    try:
        released = services.operator_deactivate(actor=request.user, user=user)
    except ACTION_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            ngettext(
                "Deactivated %(name)s; %(count)s open conversation went back to the queue.",
                "Deactivated %(name)s; %(count)s open conversations went back to the queue.",
                released,
            )
            % {"name": user.username, "count": released},
        )
    return redirect(back)


@require_POST
@admin_page
def operator_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _operator(user_id)
    return act(
        request,
        lambda: services.operator_reactivate(actor=request.user, user=user),
        _("Reactivated %(name)s.") % {"name": user.username},
        reverse("administration:operator", kwargs={"user_id": user.pk}),
    )


@require_POST
@admin_page
def operator_password(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _operator(user_id)
    password = services.password_generate()
    try:
        services.operator_password_reset(actor=request.user, user=user, password=password)
    except ACTION_ERRORS as error:
        messages.error(request, error_text(error))
        return redirect("administration:operator", user_id=user.pk)
    # Shown in this answer only, like a new operator's password.
    return _operator_page(request, user, password=password)


@require_POST
@admin_page
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    back = reverse("administration:operators")
    if not form.is_valid():
        return form_refused(request, form, back)
    name = form.cleaned_data["name"]
    return act(
        request,
        lambda: services.team_add(actor=request.user, name=name),
        _("Created team %(name)s.") % {"name": name},
        back,
    )


@require_POST
@admin_page
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    return act(
        request,
        lambda: services.team_remove(actor=request.user, team=team),
        _("Deleted team %(name)s.") % {"name": team.name},
        reverse("administration:operators"),
    )


# --- lockouts (operators/sign_in.py): listed on the operators page and on each operator's ------


@require_POST
@admin_page
def lockout_lift(request: HttpRequest) -> HttpResponse:
    """`username`: forget that account's failed sign-ins from everywhere; `address`: forget
    every failed sign-in from that address. Back to where the button was."""
    username = request.POST.get("username", "").strip()
    address = request.POST.get("address", "").strip()
    back = request.POST.get("back", "")
    if not back.startswith("/admin/operators"):
        back = reverse("administration:operators")
    return act(
        request,
        lambda: sign_in_unlock(actor=request.user, username=username, address=address),
        _("Unlocked %(name)s.") % {"name": username}
        if username
        else _("Signing in from %(address)s is open again.") % {"address": address},
        back,
    )
