"""The audit log: who changed what, filtered and paged."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from administration import selectors
from administration.forms import (
    AuditFilterForm,
)
from administration.views.common import (
    admin_page,
)

AUDIT_PAGE_SIZE = 50


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
