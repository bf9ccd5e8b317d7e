"""The platform's message templates: text, channels, groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from administration import selectors, services
from administration.forms import (
    ConfirmForm,
    TemplateChannelForm,
    TemplateCreateForm,
    TemplateGroupAddForm,
    TemplateGroupCreateForm,
    TemplateTextForm,
)
from administration.views.common import (
    ACTION_ERRORS,
    act,
    admin_page,
    error_text,
    form_refused,
)
from fromni.errors import FromniError


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
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Created template #%(id)s.") % {"id": template.id})
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
        messages.error(request, error_text(error))
        return redirect(back)
    form = TemplateGroupCreateForm(request.POST, templates=listed)
    if not form.is_valid():
        return form_refused(request, form, back)
    return act(
        request,
        lambda: services.template_group_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            template_ids=form.cleaned_data["templates"],
        ),
        _("Created group %(name)s.") % {"name": form.cleaned_data["name"]},
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
            {
                "what": _("template %(id)s") % {"id": template_id},
                "platform_error": context["platform_error"],
            },
            status=404,
        )
    form = TemplateTextForm(request.POST or None, initial={"text": template.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_text_update(
                actor=request.user, template_id=template_id, text=form.cleaned_data["text"]
            )
        except ACTION_ERRORS as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Saved the text."))
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
        group_add_form=TemplateGroupAddForm(groups=context["groups"]),
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
        return form_refused(request, form, back)
    channel = form.cleaned_data["channel"]
    return act(
        request,
        lambda: services.template_channel_add(
            actor=request.user, template_id=template_id, channel=channel
        ),
        _("Added channel %(channel)s; the messenger moderates it before it is approved.")
        % {"channel": channel},
        back,
    )


@require_POST
@admin_page
def template_channel_remove(request: HttpRequest, template_id: int, channel: str) -> HttpResponse:
    return act(
        request,
        lambda: services.template_channel_remove(
            actor=request.user, template_id=template_id, channel=channel
        ),
        _("Removed channel %(channel)s.") % {"channel": channel},
        _template_back(template_id),
    )


@require_POST
@admin_page
def template_group_add(request: HttpRequest, template_id: int) -> HttpResponse:
    back = _template_back(template_id)
    try:
        groups = selectors.template_groups(selectors.platform_templates())
    except FromniError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    form = TemplateGroupAddForm(request.POST, groups=groups)
    if not form.is_valid():
        return form_refused(request, form, back)
    return act(
        request,
        lambda: services.template_group_add(
            actor=request.user, template_id=template_id, group_id=form.cleaned_data["group"]
        ),
        _("Added the template to the group."),
        back,
    )


@require_POST
@admin_page
def template_group_remove(request: HttpRequest, template_id: int) -> HttpResponse:
    return act(
        request,
        lambda: services.template_group_remove(actor=request.user, template_id=template_id),
        _("Removed the template from its group."),
        _template_back(template_id),
    )


@require_POST
@admin_page
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the confirmation to delete the template."))
        return redirect(_template_back(template_id))
    try:
        services.template_delete(actor=request.user, template_id=template_id)
    except ACTION_ERRORS as error:
        messages.error(request, error_text(error))
        return redirect(_template_back(template_id))
    messages.success(request, _("Deleted template #%(id)s.") % {"id": template_id})
    return redirect("administration:templates")
