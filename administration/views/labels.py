"""Labels: the catalogue operators pick from (conversations/labels.py keeps it)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from administration.forms import LabelForm
from administration.views.common import ACTION_ERRORS, act, admin_page, error_text
from conversations import labels as services
from conversations.models import Label


def _labels_page(request: HttpRequest, form: LabelForm) -> HttpResponse:
    rows = Label.objects.annotate(used=Count("conversation_links"))
    return render(
        request,
        "administration/labels.html",
        {"rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


def _saved(request: HttpRequest, form: LabelForm, save) -> bool:
    """Runs the service with the form's data; what it refuses goes back into the form."""
    if not form.is_valid():
        return False
    try:
        label = save(**form.cleaned_data)
    except ACTION_ERRORS as error:
        field = getattr(error, "details", {}).get("field")
        form.add_error(field if field in form.fields else None, error_text(error))
        return False
    messages.success(request, _("Saved the label “%(name)s”.") % {"name": label.name})
    return True


@require_http_methods(["GET", "POST"])
@admin_page
def labels(request: HttpRequest) -> HttpResponse:
    form = LabelForm(request.POST or None)
    if request.method == "POST":
        created = _saved(
            request, form, lambda **data: services.label_create(actor=request.user, **data)
        )
        if created:
            return redirect("administration:labels")
    return _labels_page(request, form)


@require_http_methods(["GET", "POST"])
@admin_page
def label_detail(request: HttpRequest, label_id: int) -> HttpResponse:
    label = get_object_or_404(Label, pk=label_id)
    if request.method == "GET":
        form = LabelForm(
            initial={"name": label.name, "colour": label.colour, "description": label.description}
        )
    else:
        form = LabelForm(request.POST)
        saved = _saved(
            request,
            form,
            lambda **data: services.label_update(actor=request.user, label_id=label.pk, **data),
        )
        if saved:
            return redirect("administration:labels")
    used = label.conversation_links.count()
    return render(
        request,
        "administration/label.html",
        {"label": label, "form": form, "used": used},
        status=400 if form.errors else 200,
    )


@require_POST
@admin_page
def label_delete(request: HttpRequest, label_id: int) -> HttpResponse:
    label = get_object_or_404(Label, pk=label_id)
    return act(
        request,
        lambda: services.label_delete(actor=request.user, label_id=label.pk),
        _("Deleted the label “%(name)s”; it is off every conversation.") % {"name": label.name},
        reverse("administration:labels"),
    )
