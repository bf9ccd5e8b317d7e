"""The supervisors' contact pages: the filtered list (with its filter in the URL, so a view can
be bookmarked), the CSV export of the same set, a profile, and the variables."""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contacts import profiles, selectors, services
from contacts.filters import (
    BUILTIN_FIELDS,
    OPERATOR_KINDS,
    Catalog,
    parse_filter,
)
from contacts.labels import BUILTIN_FIELD_LABELS, ORDER_LABELS, builder_labels
from contacts.models import VariableType
from conversations.selectors import conversations_visible
from fromni.methods import CHANNEL_ID_FIELDS
from operator_desk.errors import DeskError, NotFound
from operators.access import role_required, supervises
from operators.roles import Role


def _contacts_page(least: Role) -> Callable[[Callable[..., HttpResponse]], Callable[..., Any]]:
    """The role gate for `least` and above, and a contact that does not exist (or is not the
    caller's to see) as the 404 page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def not_found_as_404(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NotFound as missing:
                raise Http404(missing.message) from None

        return role_required(least)(not_found_as_404)

    return decorate


# Supervisors and admins (agents see contacts beside their conversations only).
supervising = _contacts_page(Role.SUPERVISOR)
# Every operator: supervisors and admins read and change the whole profile; agents read, for a
# contact they serve (the view checks which; not serving is a 404, as for no contact).
profile_reading = _contacts_page(Role.AGENT)


def filter_fields() -> list[dict[str, Any]]:
    """What the filter builder offers: variables (by name), then the built-in fields."""
    catalog = Catalog.load()
    fields = [
        {"name": name, "label": name, "kind": catalog.field(name).kind, "group": "variables"}
        for name in catalog.by_name
    ]
    fields += [
        {
            "name": name,
            "label": BUILTIN_FIELD_LABELS.get(name, name),
            "kind": catalog.field(name).kind,
            "group": "contact",
        }
        for name in BUILTIN_FIELDS
        if name not in catalog.by_name
    ]
    return fields


def _list_params(request: HttpRequest) -> dict[str, str]:
    keep = ("filter", "q", "order")
    return {k: request.GET[k] for k in keep if request.GET.get(k)}


@require_GET
@supervising
def contact_list(request: HttpRequest) -> HttpResponse:
    params = _list_params(request)
    error, page, spec = "", {"data": [], "next": None}, None
    status = 200
    try:
        spec = parse_filter(params.get("filter"))
        page = selectors.contact_list(
            spec=spec,
            q=params.get("q"),
            order=params.get("order"),
            after=request.GET.get("after") or None,
        )
    except DeskError as failure:
        error, status = failure.message, failure.status
    query = urlencode(params)
    context = {
        "page": page,
        "error": error,
        "params": params,
        "filter_text": json.dumps(spec, ensure_ascii=False, indent=1) if spec else "",
        "orderings": [(code, ORDER_LABELS.get(code, code)) for code in selectors.ORDERINGS],
        "order": params.get("order") or selectors.DEFAULT_ORDER,
        "export_url": f"{reverse('contacts:export')}?{query}",
        "next_url": f"?{urlencode({**params, 'after': page['next']})}" if page["next"] else "",
        "first_url": f"?{query}" if request.GET.get("after") else "",
        "builder": {
            "fields": filter_fields(),
            "operators": OPERATOR_KINDS,
            "channels": list(CHANNEL_ID_FIELDS),
            "labels": builder_labels(),
        },
    }
    return render(request, "contacts/list.html", context, status=status)


class _Echo:
    """csv.writer writes into this, and the response streams what it returns."""

    def write(self, value: str) -> str:
        return value


@require_GET
@supervising
def contact_export(request: HttpRequest) -> HttpResponse:
    """The whole filtered set as CSV, streamed (it may be most of the contacts)."""
    params = _list_params(request)
    try:
        spec = parse_filter(params.get("filter"))
        header, rows = selectors.contact_export(
            spec=spec, q=params.get("q"), order=params.get("order")
        )
    except DeskError as failure:
        return HttpResponse(failure.message, status=400, content_type="text/plain")
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that spreadsheet programs read the names as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response


@require_GET
@profile_reading
def contact_profile(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The whole profile for supervisors and admins. An agent reads the profile of a contact
    they serve (one of whose conversations they may see: the queue's, their own), with only
    those conversations, and changes nothing."""
    contact = selectors.contact_get(contact_id=contact_id)
    read_only = not supervises(request.user)
    conversations = None
    if read_only:
        conversations = conversations_visible(request.user).filter(contact=contact)
        if not conversations.exists():
            raise NotFound(_("There is no contact %(id)s.") % {"id": contact_id})
    if contact.pk != contact_id:  # merged away: the old id shows the survivor
        return redirect("contacts:profile", contact_id=contact.pk)
    every = request.GET.get("conversations") == "all"
    profile = profiles.contact_profile(
        contact=contact,
        transcripts=None if every else profiles.RECENT_TRANSCRIPTS,
        conversations=conversations,
    )
    context = {
        "profile": profile,
        "contact": contact,
        "read_only": read_only,
        "identifiers": [
            (name, BUILTIN_FIELD_LABELS.get(name, name), contact.identifiers().get(name, ""))
            for name in services.UPDATABLE_IDENTIFIERS
        ],
        "variables": [
            {**d, "value": profile["values"].get(d["name"], "")} for d in profile["definitions"]
        ],
        "source_profiles": [
            (channel, json.dumps(data, ensure_ascii=False, indent=2))
            for channel, data in sorted(contact.source_profiles.items())
        ],
    }
    return render(request, "contacts/profile.html", context)


@require_GET
@supervising
def contact_by_platform_id(request: HttpRequest, platform_id: str) -> HttpResponse:
    contact = selectors.contact_by_platform_id(platform_id=platform_id)
    return redirect("contacts:profile", contact_id=contact.pk)


def _change(request: HttpRequest, change: Callable[[], Any], done: str) -> None:
    """Run a change; its outcome (or the platform's refusal) is the next page's message."""
    try:
        change()
    except DeskError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, done)


@require_POST
@supervising
def contact_identifiers(request: HttpRequest, contact_id: int) -> HttpResponse:
    changes = {n: request.POST[n] for n in services.UPDATABLE_IDENTIFIERS if n in request.POST}
    _change(
        request,
        lambda: services.contact_identifiers_update(
            contact_id=contact_id, changes=changes, user=request.user
        ),
        _("Identifiers saved on the platform."),
    )
    return redirect("contacts:profile", contact_id=contact_id)


@require_POST
@supervising
def contact_variables(request: HttpRequest, contact_id: int) -> HttpResponse:
    prefix = "var-"
    values = {k[len(prefix) :]: v for k, v in request.POST.items() if k.startswith(prefix)}
    _change(
        request,
        lambda: services.contact_variables_set(
            contact_id=contact_id, values=values, user=request.user
        ),
        _("Variables saved on the platform."),
    )
    return redirect("contacts:profile", contact_id=contact_id)


@supervising
def variables(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _change(
            request,
            lambda: services.variable_create(
                name=request.POST.get("name", ""),
                validate_as=request.POST.get("validateAs", VariableType.STRING),
                user=request.user,
            ),
            _("Variable “%(name)s” created.") % {"name": request.POST.get("name", "").strip()},
        )
        return redirect("contacts:variables")
    context = {"variables": selectors.variable_list(), "types": VariableType.choices}
    return render(request, "contacts/variables.html", context)


@require_POST
@supervising
def variable_delete(request: HttpRequest, variable_id: int) -> HttpResponse:
    _change(
        request,
        lambda: services.variable_delete(variable_id=variable_id, user=request.user),
        _("Variable deleted, with its values."),
    )
    return redirect("contacts:variables")
