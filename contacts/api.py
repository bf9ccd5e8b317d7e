"""JSON endpoints under /api/contacts/: the filtered list and profiles for supervisors and
admins, the contact panel beside a conversation for every operator who can see it."""

from __future__ import annotations

from django.http import HttpRequest

from contacts import profiles, selectors, services
from contacts.filters import parse_filter
from contacts.serializers import contact_data
from conversations.access import visible_conversation_required
from operator_desk.api import api_view, int_param, json_body
from operator_desk.errors import Invalid
from operators.roles import Role

GET, POST, DELETE = ("GET",), ("POST",), ("DELETE",)
SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)


@api_view(methods=GET, roles=SUPERVISING)
def contact_list(request: HttpRequest) -> dict:
    """?filter=<the API's filter object as JSON>&q=&order=&after=&limit="""
    params = request.GET
    return selectors.contact_list(
        spec=parse_filter(params.get("filter")),
        q=params.get("q"),
        order=params.get("order"),
        after=params.get("after") or None,
        limit=int_param(params.get("limit"), "limit", default=50, low=1, high=selectors.MAX_LIMIT),
    )


@api_view(methods=GET, roles=SUPERVISING)
def contact_profile(request: HttpRequest, contact_id: int) -> dict:
    """?conversations=all: the messages of every conversation, not only the recent ones'."""
    contact = selectors.contact_get(contact_id=contact_id)
    every = request.GET.get("conversations") == "all"
    return profiles.contact_profile(
        contact=contact, transcripts=None if every else profiles.RECENT_TRANSCRIPTS
    )


@api_view(methods=GET, roles=SUPERVISING)
def contact_deals(request: HttpRequest, contact_id: int) -> dict:
    contact = selectors.contact_get(contact_id=contact_id)
    return profiles.contact_deals(contact=contact)


@api_view(methods=POST, roles=SUPERVISING)
def contact_identifiers(request: HttpRequest, contact_id: int) -> dict:
    """{"telegramId": "42", "vkId": ""}: change or (empty) remove channel identifiers."""
    contact = services.contact_identifiers_update(
        contact_id=contact_id, changes=json_body(request), user=request.user
    )
    return {"contact": contact_data(contact)}


@api_view(methods=POST, roles=SUPERVISING)
def contact_variables(request: HttpRequest, contact_id: int) -> dict:
    """{"values": {"<variable id or name>": value, ...}}; an empty value clears one."""
    values = json_body(request).get("values")
    if not isinstance(values, dict):
        raise Invalid("values must be an object of variable -> value.")
    contact = services.contact_variables_set(
        contact_id=contact_id, values=values, user=request.user
    )
    return {"contact": contact_data(contact)}


@api_view(methods=("GET", "POST"), roles=SUPERVISING)
def variables(request: HttpRequest) -> dict:
    if request.method == "GET":
        return {"data": selectors.variable_list()}
    body = json_body(request)
    variable = services.variable_create(
        name=str(body.get("name") or ""),
        validate_as=str(body.get("validateAs") or "STRING"),
        user=request.user,
    )
    return {"id": variable.pk, "platformId": variable.platform_id, "name": variable.name}


@api_view(methods=DELETE, roles=SUPERVISING)
def variable_delete(request: HttpRequest, variable_id: int) -> dict:
    services.variable_delete(variable_id=variable_id, user=request.user)
    return {"ok": True}


@api_view(methods=GET)
@visible_conversation_required
def contact_panel(request: HttpRequest, conversation_id: int) -> dict:
    """The contact beside a conversation: any operator who can see the conversation."""
    return profiles.contact_panel(user=request.user, conversation_id=conversation_id)
