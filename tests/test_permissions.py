"""The permission matrix: anonymous, agent, supervisor and admin against every page, every /api/
endpoint and the websocket.

The routes come from Django's URL resolver and the websocket router, so a new endpoint is tested
as soon as it exists, and fails here until it is added to EXPECTED with who may use it. (Django's
own admin generates a set of routes for each registered model; those are all staff-only by
construction and are recognised by their admin view instead of being listed one by one.)
"""

from __future__ import annotations

import json
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.db import connections
from django.test import Client
from django.urls import get_resolver, resolve

from desk.routing import websocket_urlpatterns
from operator_desk.asgi import application
from tests.support.routes import url_routes

ANONYMOUS, AGENT, SUPERVISOR, ADMIN = "anonymous", "agent", "supervisor", "admin"
ROLES = (ANONYMOUS, AGENT, SUPERVISOR, ADMIN)

EVERYONE = frozenset(ROLES)
OPERATORS = frozenset({AGENT, SUPERVISOR, ADMIN})
SUPERVISING = frozenset({SUPERVISOR, ADMIN})
ADMINS = frozenset({ADMIN})
# No session opens it: the platform's callbacks carry a shared secret instead.
NO_SESSION = frozenset()

GET, POST, PUT, DELETE = "GET", "POST", "PUT", "DELETE"

# route (as the resolver spells it) -> (who gets in, the method to try)
EXPECTED: dict[str, tuple[frozenset[str], str]] = {
    # --- public, or authenticated otherwise
    "healthz": (EVERYONE, GET),
    "fromni/callback/": (NO_SESSION, POST),
    "fromni/callback": (
        NO_SESSION,
        POST,
    ),  # the same endpoint, for a URL registered without the slash
    "accounts/login/": (EVERYONE, GET),
    "accounts/logout/": (EVERYONE, POST),
    "i18n/setlang/": (EVERYONE, POST),
    "jsi18n/": (EVERYONE, GET),
    # --- the desk page and its API
    "": (OPERATORS, GET),
    "c/<int:conversation_id>": (OPERATORS, GET),
    "settings": (OPERATORS, GET),
    "api/session": (OPERATORS, GET),
    "api/operators": (OPERATORS, GET),
    "api/presence": (OPERATORS, POST),
    "api/templates": (OPERATORS, GET),
    "api/quick-replies": (OPERATORS, GET),
    # Every operator keeps their own quick replies; the team's are checked per reply.
    "api/quick-replies/<int:reply_id>": (OPERATORS, PUT),
    "api/labels": (OPERATORS, GET),
    "api/conversations": (OPERATORS, GET),
    # Many conversations at once: supervisors and admins (issue 17).
    "api/conversations/bulk": (SUPERVISING, POST),
    "api/conversations/<int:conversation_id>": (OPERATORS, GET),
    "api/conversations/<int:conversation_id>/claim": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/release": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/close": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/transfer": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/snooze": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/unsnooze": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/replies": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/notes": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/labels": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/labels/<int:label_id>": (OPERATORS, DELETE),
    "api/conversations/<int:conversation_id>/priority": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/read": (OPERATORS, POST),
    "api/conversations/<int:conversation_id>/notify": (OPERATORS, POST),
    "api/messages/<int:message_id>/retry": (OPERATORS, POST),
    "api/mentions": (OPERATORS, GET),
    "api/mentions/read": (OPERATORS, POST),
    "api/uploads": (OPERATORS, POST),
    "api/search": (OPERATORS, GET),
    # --- contacts: supervisors and admins; agents only beside their conversations
    "api/contacts/": (SUPERVISING, GET),
    "api/contacts/<int:contact_id>": (SUPERVISING, GET),
    "api/contacts/<int:contact_id>/deals": (SUPERVISING, GET),
    "api/contacts/<int:contact_id>/identifiers": (SUPERVISING, POST),
    "api/contacts/<int:contact_id>/variables": (SUPERVISING, POST),
    "api/contacts/variables": (SUPERVISING, GET),
    "api/contacts/variables/<int:variable_id>": (SUPERVISING, DELETE),
    "api/contacts/panel/<int:conversation_id>": (OPERATORS, GET),
    "contacts/": (SUPERVISING, GET),
    "contacts/export.csv": (SUPERVISING, GET),
    "contacts/variables/": (SUPERVISING, GET),
    "contacts/variables/<int:variable_id>/delete": (SUPERVISING, POST),
    # Agents read (only) the profile of a contact they serve; any other is a 404 to them.
    "contacts/<int:contact_id>/": (OPERATORS, GET),
    "contacts/<int:contact_id>/identifiers": (SUPERVISING, POST),
    "contacts/<int:contact_id>/variables": (SUPERVISING, POST),
    "contacts/platform/<str:platform_id>/": (SUPERVISING, GET),
    # --- reports: supervisors and admins
    "api/reports/dashboard": (SUPERVISING, GET),
    "api/reports/period": (SUPERVISING, GET),
    "api/reports/conversations/<int:conversation_id>/take-over": (SUPERVISING, POST),
    "reports/": (SUPERVISING, GET),
    "reports/period/": (SUPERVISING, GET),
    "reports/period.csv": (SUPERVISING, GET),
    "reports/campaigns/": (SUPERVISING, GET),
    # --- administration
    "admin/": (ADMINS, GET),
    "admin/account": (ADMINS, GET),
    "admin/account/test": (ADMINS, POST),
    "admin/account/probe": (ADMINS, POST),
    "admin/callback": (ADMINS, GET),
    "admin/callback/register": (ADMINS, POST),
    "admin/callback/rotate": (ADMINS, POST),
    "admin/connections": (ADMINS, GET),
    "admin/connections/<int:platform_id>": (ADMINS, GET),
    "admin/templates": (ADMINS, GET),
    "admin/templates/groups": (ADMINS, POST),
    "admin/templates/<int:template_id>": (ADMINS, GET),
    "admin/templates/<int:template_id>/channels": (ADMINS, POST),
    "admin/templates/<int:template_id>/channels/<str:channel>/delete": (ADMINS, POST),
    "admin/templates/<int:template_id>/group": (ADMINS, POST),
    "admin/templates/<int:template_id>/group/remove": (ADMINS, POST),
    "admin/templates/<int:template_id>/delete": (ADMINS, POST),
    "admin/operators": (ADMINS, GET),
    "admin/operators/lockouts/unlock": (ADMINS, POST),
    "admin/operators/<int:user_id>": (ADMINS, GET),
    "admin/operators/<int:user_id>/deactivate": (ADMINS, POST),
    "admin/operators/<int:user_id>/reactivate": (ADMINS, POST),
    "admin/operators/<int:user_id>/password": (ADMINS, POST),
    "admin/teams": (ADMINS, POST),
    "admin/teams/<int:team_id>/delete": (ADMINS, POST),
    "admin/labels": (ADMINS, GET),
    "admin/labels/<int:label_id>": (ADMINS, GET),
    "admin/labels/<int:label_id>/delete": (ADMINS, POST),
    "admin/audit": (ADMINS, GET),
    "admin/time-zone": (ADMINS, POST),
    # --- Django's own admin: staff (admins) only, but its login page and logout
    "django-admin/": (ADMINS, GET),
    "django-admin/login/": (EVERYONE, GET),
    "django-admin/logout/": (EVERYONE, POST),
    "django-admin/password_change/": (ADMINS, GET),
    "django-admin/password_change/done/": (ADMINS, GET),
    "django-admin/autocomplete/": (ADMINS, GET),
    "django-admin/jsi18n/": (ADMINS, GET),
    "django-admin/r/<path:content_type_id>/<path:object_id>/": (ADMINS, GET),
    "django-admin/^(?P<app_label>{apps})/$": (ADMINS, GET),
    "django-admin/(?P<url>.*)$": (ADMINS, GET),
}

WEBSOCKETS_EXPECTED: dict[str, frozenset[str]] = {"ws/desk/": OPERATORS}

# A value for every path parameter: nothing has that id, so an allowed caller gets a 404 (or a
# refusal of the empty body) and nothing is changed.
SAMPLE_ID = "999999"
LOGIN_PATHS = ("/accounts/login/", "/django-admin/login/")
# Where a route needs a query to do anything at all for a caller it lets in.
SAMPLE_QUERY = {"django-admin/autocomplete/": "?app_label=auth&model_name=user&field_name=groups"}


def _expected_key(route: str) -> str:
    # The app list's regex names the apps with registered models; that set is not the point.
    return re.sub(r"\(\?P<app_label>[^)]*\)", "(?P<app_label>{apps})", route)


def http_routes() -> list[tuple[str, str, frozenset[str] | None, str, bool]]:
    """(route, a concrete path, who gets in, method, model admin route) for every route."""
    found = []
    for route, _pattern in url_routes(get_resolver().url_patterns):
        key = _expected_key(route)
        model_admin = route.startswith(_model_admin_prefixes())
        if key in EXPECTED:
            allowed, method = EXPECTED[key]
        elif model_admin:
            # What Django's admin generates for a registered model: staff only.
            allowed, method = ADMINS, GET
        else:
            allowed, method = None, GET
        found.append((route, _concrete(route), allowed, method, model_admin))
    return found


def _model_admin_prefixes() -> tuple[str, ...]:
    return tuple(
        f"django-admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    )


def _concrete(route: str) -> str:
    path = re.sub(r"\(\?P<app_label>([^|)]+)[^)]*\)", r"\1", route)
    path = path.replace("(?P<url>.*)", "no-such-page/").replace("^", "").replace("$", "")
    return "/" + re.sub(r"<(?:\w+:)?\w+>", SAMPLE_ID, path)


ROUTES = http_routes()


def test_every_route_is_in_the_expected_access_table():
    missing = [route for route, _, allowed, *_ in ROUTES if allowed is None]
    assert not missing, f"add these routes to EXPECTED, with who may use them: {missing}"
    known = {_expected_key(route) for route, *_ in ROUTES}
    stale = sorted(set(EXPECTED) - known)
    assert not stale, f"EXPECTED lists routes that no longer exist: {stale}"


def test_every_concrete_path_resolves_to_its_route():
    for route, path, *_ in ROUTES:
        # (The resolver reports a regex route without its "^".)
        assert resolve(path).route == route.replace("^", ""), (route, path)


def _sent_to_login(response) -> bool:
    """A redirect to a login page that would bring the caller back (login_required and Django's
    admin do that; a plain redirect to the login page, as after signing out, is no refusal)."""
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return location.startswith(LOGIN_PATHS) and "next=" in location


def _denied(response, model_admin: bool) -> bool:
    if model_admin:
        # Past the staff gate, a model's admin may still refuse an action it never allows
        # (e.g. adding task results): that 403 is the model's, not the role's.
        return _sent_to_login(response)
    return response.status_code in (401, 403) or _sent_to_login(response)


def _call(client: Client, method: str, path: str):
    if method == GET:
        return client.get(path)
    return client.generic(method, path, data=b"{}", content_type="application/json")


@pytest.mark.sandbox
@pytest.mark.django_db
def test_who_gets_in_to_every_page_and_endpoint(agent, supervisor, admin_user, platform):
    """One pass over the whole matrix (one test, so the users are made once); every cell that
    differs from EXPECTED is reported together."""
    users = {ANONYMOUS: None, AGENT: agent, SUPERVISOR: supervisor, ADMIN: admin_user}
    clients = {role: Client() for role in ROLES}
    wrong = []
    for route, path, allowed, method, model_admin in ROUTES:
        if allowed is None:
            continue  # reported by test_every_route_is_in_the_expected_access_table
        for role, user in users.items():
            client = clients[role]
            if user is not None:  # signing out (one of the routes) must not spoil the next call
                client.force_login(user)
            response = _call(client, method, path + SAMPLE_QUERY.get(route, ""))
            status, where = response.status_code, response.get("Location", "")
            if status >= 500 or status == 405:
                wrong.append(f"{role:<10} {method} {path}: {status} (a server error or wrong verb)")
            elif (not _denied(response, model_admin)) != (role in allowed):
                expected = "let in" if role in allowed else "refused"
                wrong.append(f"{role:<10} {method} {path}: {status} {where}; should be {expected}")
    assert not wrong, "\n".join(["", *wrong])


# --- conversations the caller may not see --------------------------------------------------------

# The path parameters that address a conversation or one of its messages. Every route with one
# answers a conversation hidden from the caller exactly as it answers one that does not exist
# (the gate in conversations/access.py), before the route's own checks can tell it exists.
ADDRESSING = ("conversation_id", "message_id")
# What each route would act on, so that the answer is the route's, not a refusal of the body.
ACTION_BODIES = {
    "transfer": {"toUserId": "<supervisor>", "note": "over to you"},
    "replies": {"text": "Hello from a stranger"},
    "notes": {"text": "a note nobody should see"},
    "read": {"messageId": 1},
    "notify": {"templateId": "1", "values": {"FIRST_NAME": "M"}},
    "labels": {"labelId": 1},
    "priority": {"priority": "urgent"},
}
# Routes that name conversations in their body, many at once, and are for the roles that see
# every conversation (so there is nothing hidden to give away).
MANY_IN_BODY = {"api/conversations/bulk"}
RESTRICTED_CONNECTION = 2


def _parameters(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


def addressing_routes() -> list[tuple[str, str, frozenset[str], str]]:
    return [
        (route, path, allowed, method)
        for route, path, allowed, method, _ in ROUTES
        if allowed is not None and set(_parameters(route)) & set(ADDRESSING)
    ]


def test_every_route_naming_a_conversation_or_message_goes_through_the_visibility_check():
    """A route that names a conversation or message by another parameter, or one under
    /api/conversations/<id>/ or /api/messages/<id>/ without a parameter, would escape the test
    below: fail here instead."""
    escaped = [
        route
        for route, *_ in ROUTES
        if any(("conversation" in p or "message" in p) for p in _parameters(route))
        and not set(_parameters(route)) & set(ADDRESSING)
    ]
    escaped += [
        route
        for route, *_ in ROUTES
        if route.startswith(("api/conversations/", "api/messages/"))
        and not set(_parameters(route)) & set(ADDRESSING)
        and route not in MANY_IN_BODY
    ]
    assert all(EXPECTED[route][0] == SUPERVISING for route in MANY_IN_BODY)
    assert not escaped, f"name the conversation or message as {ADDRESSING}: {escaped}"
    tried = {route for route, *_ in addressing_routes()}
    assert "api/conversations/<int:conversation_id>/notes" in tried
    assert "api/messages/<int:message_id>/retry" in tried


def _hidden_conversations(admin_user, other_agent) -> dict[str, tuple[int, int]]:
    """(conversation id, failed reply id) of two conversations the agent may not see: one waiting
    in a queue restricted to a colleague, one a colleague holds. Each has a message of the
    contact's and a failed reply."""
    from administration.services import connection_access_set
    from callbacks.services import callback_receive
    from conversations.actions import conversation_claim
    from conversations.models import Conversation, DeliveryState, Message, MessageKind
    from tests.support.fixtures import handover, incoming, signed

    made = {}
    for name, connection in (("restricted queue", RESTRICTED_CONNECTION), ("a colleague's", 1)):
        platform_id = f"hidden-{connection}"
        callback_receive(body=signed(handover(platform_id, connection_id=connection)))
        callback_receive(body=signed(incoming(platform_id, "my card number is ...")))
        conversation = Conversation.objects.get(platform_id=platform_id)
        if connection == RESTRICTED_CONNECTION:
            connection_access_set(
                actor=admin_user,
                platform_id=connection,
                served=True,
                teams=[],
                operators=[other_agent],
            )
        else:
            conversation_claim(conversation_id=conversation.pk, user=other_agent)
        reply = Message.objects.create(
            conversation=conversation,
            kind=MessageKind.OUTGOING,
            text="sent by a colleague",
            author=other_agent,
            delivery=DeliveryState.FAILED,
        )
        made[name] = (conversation.pk, reply.pk)
    return made


def _state() -> list:
    """Everything an action on a conversation could change."""
    from audit.models import AuditEntry
    from conversations.models import Conversation, ConversationLabel, Message, ReadMark
    from outreach.models import Notification
    from realtime.models import Event

    return [
        list(
            Conversation.objects.values_list("pk", "state", "assignee_id", "priority", "updated_at")
        ),
        list(ConversationLabel.objects.values_list("conversation_id", "label_id")),
        list(Message.objects.values_list("pk", "kind", "text", "delivery", "attempts")),
        AuditEntry.objects.count(),
        Event.objects.count(),
        ReadMark.objects.count(),
        Notification.objects.count(),
    ]


def _tried(client: Client, method: str, path: str, body: dict):
    if method == GET:
        return client.get(path)
    return client.generic(method, path, data=json.dumps(body), content_type="application/json")


# The pages' forms (the language switcher) carry a CSRF token masked afresh in every answer
# (Django's BREACH defence): the one difference two answers may have.
MASKED_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _unmasked(body: bytes) -> bytes:
    return MASKED_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', body)


@pytest.mark.django_db
def test_a_conversation_hidden_from_an_agent_is_404_on_every_route_that_addresses_it(
    agent, other_agent, supervisor, admin_user
):
    """The agent cannot open these conversations (GET /api/conversations/<id> is 404). No route
    may tell them more: each answers exactly as for an id that does not exist, and changes
    nothing."""
    hidden = _hidden_conversations(admin_user, other_agent)
    client = Client()
    client.force_login(agent)
    before = _state()
    wrong = []
    for kind, (conversation_id, message_id) in hidden.items():
        ids = {"conversation_id": conversation_id, "message_id": message_id}
        for route, _path, allowed, method in addressing_routes():
            body = {
                key: supervisor.pk if value == "<supervisor>" else value
                for key, value in ACTION_BODIES.get(route.rsplit("/", 1)[-1], {}).items()
            }
            (name,) = set(_parameters(route)) & set(ADDRESSING)
            real = re.sub(r"<(?:\w+:)?\w+>", str(ids[name]), "/" + route)
            missing = re.sub(r"<(?:\w+:)?\w+>", SAMPLE_ID, "/" + route)
            answer = _tried(client, method, real, body)
            expected = _tried(client, method, missing, body)
            expected_body = _unmasked(
                expected.content.replace(SAMPLE_ID.encode(), str(ids[name]).encode())
            )
            expected_status = 404 if AGENT in allowed else 403
            if (answer.status_code, _unmasked(answer.content)) != (expected_status, expected_body):
                wrong.append(
                    f"{kind:<17} {method} {real}: {answer.status_code} "
                    f"{answer.content.decode()[:120]}; should be {expected_status} "
                    f"{expected_body.decode()[:120]}"
                )
    assert not wrong, "\n".join(["", *wrong])
    assert _state() == before, "a route acted on a conversation its caller cannot see"
    # Nothing else: the 404 of every route is the conversation's own.
    conversation_id, _ = hidden["restricted queue"]
    opened = client.get(f"/api/conversations/{conversation_id}")
    notes = _tried(client, POST, f"/api/conversations/{conversation_id}/notes", {"text": "x"})
    assert (notes.status_code, notes.json()) == (404, opened.json())


# --- the websocket -----------------------------------------------------------------------------


def test_every_websocket_route_is_in_the_expected_table():
    routes = {str(pattern.pattern) for pattern in websocket_urlpatterns}
    assert routes == set(WEBSOCKETS_EXPECTED)


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("in_memory_channel_layer")
@pytest.mark.parametrize("route", sorted(WEBSOCKETS_EXPECTED))
async def test_who_gets_a_socket(route, agent, supervisor, admin_user):
    users = {ANONYMOUS: None, AGENT: agent, SUPERVISOR: supervisor, ADMIN: admin_user}
    for role, user in users.items():
        headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
        if user is not None:
            headers.append((b"cookie", await database_sync_to_async(_cookie)(user)))
        communicator = WebsocketCommunicator(application, f"/{route}", headers=headers)
        connected, code = await communicator.connect()
        assert connected == (role in WEBSOCKETS_EXPECTED[route]), (route, role, code)
        if connected:
            await communicator.disconnect()
        else:
            assert code == 4403
    await database_sync_to_async(connections.close_all)()
