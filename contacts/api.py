"""JSON endpoints under /api/contacts/: the filtered list and profiles for supervisors and
admins, the contact panel beside a conversation for every operator who can see it."""

from __future__ import annotations

from django.http import HttpRequest

from contacts import profiles, selectors, services
from contacts.filters import parse_filter
from contacts.inputs import (
    ContactListQuery,
    IdentifierChanges,
    ProfileQuery,
    VariableCreateInput,
    VariablesInput,
)
from contacts.serializers import contact_data
from conversations.access import visible_conversation_required
from operator_desk.inputs import body_parsed, query_parsed
from operators.access import api_view
from operators.roles import Role

GET, POST, DELETE = ("GET",), ("POST",), ("DELETE",)


@api_view(methods=GET, role=Role.SUPERVISOR)
def contact_list(request: HttpRequest) -> dict:
    """?filter=<the API's filter object as JSON>&q=&order=&after=&limit="""
    query = query_parsed(request, ContactListQuery)
    return selectors.contact_list(
        spec=parse_filter(query.filter),
        q=query.q,
        order=query.order,
        after=query.after,
        limit=query.limit,
    )


@api_view(methods=GET, role=Role.SUPERVISOR)
def contact_profile(request: HttpRequest, contact_id: int) -> dict:
    """?conversations=all: the messages of every conversation, not only the recent ones'."""
    query = query_parsed(request, ProfileQuery)
    contact = selectors.contact_get(contact_id=contact_id)
    every = query.conversations == "all"
    return profiles.contact_profile(
        contact=contact, transcripts=None if every else profiles.RECENT_TRANSCRIPTS
    )


@api_view(methods=GET, role=Role.SUPERVISOR)
def contact_deals(request: HttpRequest, contact_id: int) -> dict:
    contact = selectors.contact_get(contact_id=contact_id)
    return profiles.contact_deals(contact=contact)


@api_view(methods=POST, role=Role.SUPERVISOR)
def contact_identifiers(request: HttpRequest, contact_id: int) -> dict:
    """{"telegramId": "42", "vkId": ""}: change or (empty) remove channel identifiers."""
    contact = services.contact_identifiers_update(
        contact_id=contact_id,
        changes=body_parsed(request, IdentifierChanges).root,
        user=request.user,
    )
    return {"contact": contact_data(contact)}


@api_view(methods=POST, role=Role.SUPERVISOR)
def contact_variables(request: HttpRequest, contact_id: int) -> dict:
    """{"values": {"<variable id or name>": value, ...}}; an empty value clears one."""
    body = body_parsed(request, VariablesInput)
    contact = services.contact_variables_set(
        contact_id=contact_id, values=body.values, user=request.user
    )
    return {"contact": contact_data(contact)}


@api_view(methods=("GET", "POST"), role=Role.SUPERVISOR)
def variables(request: HttpRequest) -> dict:
    if request.method == "GET":
        return {"data": selectors.variable_list()}
    body = body_parsed(request, VariableCreateInput)
    variable = services.variable_create(
        name=body.name, validate_as=body.validate_as.value, user=request.user
    )
    return {"id": variable.pk, "platformId": variable.platform_id, "name": variable.name}


@api_view(methods=DELETE, role=Role.SUPERVISOR)
def variable_delete(request: HttpRequest, variable_id: int) -> dict:
    services.variable_delete(variable_id=variable_id, user=request.user)
    return {"ok": True}


@api_view(methods=GET)
@visible_conversation_required
def contact_panel(request: HttpRequest, conversation_id: int) -> dict:
    """The contact beside a conversation: any operator who can see the conversation."""
    return profiles.contact_panel(user=request.user, conversation_id=conversation_id)
