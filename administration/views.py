"""The admin pages: thin views over administration.selectors and .services.

Admins only: anonymous visitors are sent to the login page, other roles get 403. Every change
is a POST with CSRF that redirects back (post/redirect/get) with a message; what the platform
refused is shown in its own words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from administration import selectors, services
from administration.forms import (
    AuditFilterForm,
    CallbackRegisterForm,
    ConfirmForm,
    ConnectionAccessForm,
    OperatorChangeForm,
    OperatorCreateForm,
    TeamForm,
    TemplateChannelForm,
    TemplateCreateForm,
    TemplateGroupAddForm,
    TemplateGroupCreateForm,
    TemplateTextForm,
)
from fromni.errors import FromniError
from operator_desk.errors import DeskError
from operators.models import Team
from operators.roles import Role, user_role
from operators.sign_in import lockouts_current

AUDIT_PAGE_SIZE = 50
# What a failed action may raise: the platform's refusals and the desk's own.
ACTION_ERRORS = (FromniError, DeskError)


def admin_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user_role(request.user) is not Role.ADMIN:
            return render(request, "administration/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(error: Exception) -> str:
    return error.message if isinstance(error, DeskError) else str(error)


def _act(request: HttpRequest, action: Callable[[], Any], success: str, back: str) -> HttpResponse:
    """Run an action, say how it went, and go back (the message carries platform refusals)."""
    try:
        action()
    except ACTION_ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect(back)


def _invalid(request: HttpRequest, form, back: str) -> HttpResponse:
    errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    messages.error(request, errors)
    return redirect(back)


# --- overview and account ----------------------------------------------------------------------


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
        },
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


# --- callback registration ---------------------------------------------------------------------


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
            f"Registered {secret.callback_url} with a new secret ({secret.fingerprint}). The "
            f"previous secret stays accepted for {grace:g} h.",
        )
    else:
        messages.warning(
            request,
            f"The platform did not answer ({registration.error}). It may have taken the new "
            f"secret {secret.fingerprint}, which the desk accepts until "
            f"{secret.expires_at:%Y-%m-%d %H:%M} UTC; check the settings the platform reports "
            "below, or register again.",
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
        form.add_error(None, _error_text(error))
        return _callback_page(request, form, status=502)
    _registration_message(request, registration)
    return redirect("administration:callback")


@require_POST
@admin_page
def callback_rotate(request: HttpRequest) -> HttpResponse:
    try:
        registration = services.callback_secret_rotate(actor=request.user)
    except ACTION_ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        _registration_message(request, registration)
    return redirect("administration:callback")


# --- connections -------------------------------------------------------------------------------


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
            {"what": f"connection {platform_id}", "platform_error": error},
            status=404,
        )
    row = overview[0]
    if request.method == "POST":
        form = ConnectionAccessForm(request.POST)
        if form.is_valid():
            return _act(
                request,
                lambda: services.connection_access_set(
                    actor=request.user,
                    platform_id=platform_id,
                    platform_row=platform_row,
                    **form.cleaned_data,
                ),
                f"Saved who sees connection {row.name or platform_id}.",
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


# --- templates ---------------------------------------------------------------------------------


def _templates_context(**extra: Any) -> dict[str, Any]:
    templates, error = [], None
    try:
        templates = selectors.platform_templates()
    except FromniError as exc:
        error = str(exc)
    return {
        "templates": templates,
        "groups": selectors.template_groups(templates),
        "platform_error": error,
        "group_form": TemplateGroupCreateForm(templates=templates),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@admin_page
def templates(request: HttpRequest) -> HttpResponse:
    form = TemplateCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(actor=request.user, **form.cleaned_data)
        except ACTION_ERRORS as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, f"Created template #{template.id}.")
            return redirect("administration:template", template_id=int(template.id))
    status = 400 if form.errors else 200
    return render(
        request, "administration/templates.html", _templates_context(form=form), status=status
    )


@require_POST
@admin_page
def template_group_create(request: HttpRequest) -> HttpResponse:
    back = reverse("administration:templates")
    try:
        listed = selectors.platform_templates()
    except FromniError as error:
        messages.error(request, str(error))
        return redirect(back)
    form = TemplateGroupCreateForm(request.POST, templates=listed)
    if not form.is_valid():
        return _invalid(request, form, back)
    return _act(
        request,
        lambda: services.template_group_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            template_ids=form.cleaned_data["templates"],
        ),
        f"Created group {form.cleaned_data['name']}.",
        back,
    )


@require_http_methods(["GET", "POST"])
@admin_page
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    context = _templates_context()
    template = next((t for t in context["templates"] if int(t.id) == template_id), None)
    if template is None:
        return render(
            request,
            "administration/not_found.html",
            {"what": f"template {template_id}", "platform_error": context["platform_error"]},
            status=404,
        )
    form = TemplateTextForm(request.POST or None, initial={"text": template.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_text_update(
                actor=request.user, template_id=template_id, text=form.cleaned_data["text"]
            )
        except ACTION_ERRORS as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, "Saved the text.")
            return redirect("administration:template", template_id=template_id)
    used = {c.channel for c in template.channels}
    channel_form = TemplateChannelForm()
    channel_form.fields["channel"].choices = [
        c for c in channel_form.fields["channel"].choices if c[0] not in used
    ]
    context.update(
        template=template,
        form=form,
        channel_form=channel_form,
        group_add_form=TemplateGroupAddForm(),
        delete_form=ConfirmForm(),
    )
    return render(
        request, "administration/template.html", context, status=400 if form.errors else 200
    )


def _template_back(template_id: int) -> str:
    return reverse("administration:template", kwargs={"template_id": template_id})


@require_POST
@admin_page
def template_channel_add(request: HttpRequest, template_id: int) -> HttpResponse:
    form = TemplateChannelForm(request.POST)
    back = _template_back(template_id)
    if not form.is_valid():
        return _invalid(request, form, back)
    channel = form.cleaned_data["channel"]
    return _act(
        request,
        lambda: services.template_channel_add(
            actor=request.user, template_id=template_id, channel=channel
        ),
        f"Added channel {channel}; the messenger moderates it before it is approved.",
        back,
    )


@require_POST
@admin_page
def template_channel_remove(request: HttpRequest, template_id: int, channel: str) -> HttpResponse:
    return _act(
        request,
        lambda: services.template_channel_remove(
            actor=request.user, template_id=template_id, channel=channel
        ),
        f"Removed channel {channel}.",
        _template_back(template_id),
    )


@require_POST
@admin_page
def template_group_add(request: HttpRequest, template_id: int) -> HttpResponse:
    back = _template_back(template_id)
    form = TemplateGroupAddForm(request.POST)
    if not form.is_valid():
        return _invalid(request, form, back)
    return _act(
        request,
        lambda: services.template_group_add(
            actor=request.user, template_id=template_id, group_id=form.cleaned_data["group"]
        ),
        "Added the template to the group.",
        back,
    )


@require_POST
@admin_page
def template_group_remove(request: HttpRequest, template_id: int) -> HttpResponse:
    return _act(
        request,
        lambda: services.template_group_remove(actor=request.user, template_id=template_id),
        "Removed the template from its group.",
        _template_back(template_id),
    )


@require_POST
@admin_page
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the confirmation to delete the template.")
        return redirect(_template_back(template_id))
    try:
        services.template_delete(actor=request.user, template_id=template_id)
    except ACTION_ERRORS as error:
        messages.error(request, _error_text(error))
        return redirect(_template_back(template_id))
    messages.success(request, f"Deleted template #{template_id}.")
    return redirect("administration:templates")


# --- operators and teams -----------------------------------------------------------------------


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
            form.add_error(None, _error_text(error))
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
            form.add_error(None, _error_text(error))
        else:
            changed = ", ".join(changes) or "nothing"
            messages.success(request, f"Saved {user.username}: {changed} changed.")
            return redirect("administration:operator", user_id=user.pk)
    return _operator_page(request, user, form)


@require_POST
@admin_page
def operator_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _operator(user_id)
    back = reverse("administration:operator", kwargs={"user_id": user.pk})
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "Tick the confirmation to deactivate the operator.")
        return redirect(back)
    try:
        released = services.operator_deactivate(actor=request.user, user=user)
    except ACTION_ERRORS as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            f"Deactivated {user.username}; {released} open conversation(s) went back to the queue.",
        )
    return redirect(back)


@require_POST
@admin_page
def operator_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _operator(user_id)
    return _act(
        request,
        lambda: services.operator_reactivate(actor=request.user, user=user),
        f"Reactivated {user.username}.",
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
        messages.error(request, _error_text(error))
        return redirect("administration:operator", user_id=user.pk)
    # Shown in this answer only, like a new operator's password.
    return _operator_page(request, user, password=password)


@require_POST
@admin_page
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    back = reverse("administration:operators")
    if not form.is_valid():
        return _invalid(request, form, back)
    name = form.cleaned_data["name"]
    return _act(
        request,
        lambda: services.team_add(actor=request.user, name=name),
        f"Created team {name}.",
        back,
    )


@require_POST
@admin_page
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    return _act(
        request,
        lambda: services.team_remove(actor=request.user, team=team),
        f"Deleted team {team.name}.",
        reverse("administration:operators"),
    )


# --- audit -------------------------------------------------------------------------------------


@require_GET
@admin_page
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions())
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "actor_id": data["actor"].pk if data["actor"] else None,
            "action": data["action"],
            "target": data["target"],
            "since": data["since"],
            "until": data["until"],
        }
    page = Paginator(selectors.audit_entries(**filters), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "administration/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )
