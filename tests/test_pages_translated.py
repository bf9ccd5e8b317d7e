"""Every page in Russian: each HTML page of the URLconf (tests/support/page_routes.py, so a new
page is walked as soon as it exists), the error pages, the sign-in page's errors, a flash
message and the CSV downloads, rendered in a pseudo-locale (tests/support/pseudo_locale.py)
where everything a catalogue translates is marked. Latin text outside the markers never went
through gettext: a Russian reader would see it in English. The failure names the page and text.

Each page is opened by the least role that may open it and by an admin (who sees more links),
over one data set (operators, a team, contacts with variables, a closed and a queued
conversation, the sandbox platform's seed and showcase).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import locale as django_locale
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from administration.services import team_add
from contacts.models import Contact, Variable
from conversations.actions import conversation_claim, conversation_close
from conversations.labels import conversation_label_add, label_create
from conversations.models import Conversation, LabelColour
from conversations.replies import note_create
from fromni.methods import CHANNEL_ID_FIELDS
from fromni.sandbox import seed, showcase
from operators.models import Team
from operators.roles import Role
from tests.support import pseudo_locale
from tests.support.fixtures import handover, incoming
from tests.support.page_routes import page_routes

pytest_plugins = ["tests.support.contacts"]
pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]

PRODUCT = "Operator Desk"
ALLOWED = [
    re.compile(re.escape(PRODUCT)),
    # Time zones by their names in the time zone database (Europe/Moscow, UTC): an operator
    # picks theirs from that list on My settings.
    re.compile(r"\b(?:UTC|GMT|[A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+)\b"),
    # Channel brands and codes (as the platform names them), and ids made of letters and digits.
    re.compile(r"\b(?:WhatsApp|Telegram|Viber|VK|SMS|Instagram|Facebook)\b"),
    re.compile(r"\b[0-9a-f]{24}\b"),  # the platform's object ids
    re.compile(r"#[A-Z_]+#"),  # template placeholders: #FIRST_NAME#
    re.compile(r"\bp90\b"),  # the 90th percentile, as statisticians write it in Russian too
    # Codes an admin reads as codes: audit actions and targets (conversation.claim, team:1),
    # settings' names (FROMNI_BASE_URL).
    re.compile(r"\b[a-z_]+(?:\.[a-z_]+)*\.(?:[a-z_]+|\*)"),
    re.compile(r"\b[a-z_]+:\d+\b"),
    re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"),
    # The language switcher names each language in itself.
    re.compile(r"\bEnglish\b"),
]


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a nest of dicts, lists and tuples (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)


@pytest.fixture
def pseudo(settings, tmp_path, monkeypatch) -> str:
    pseudo_locale.compile_into(tmp_path)
    monkeypatch.setitem(django_locale.LANG_INFO, pseudo_locale.CODE, pseudo_locale.INFO)
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path]
    settings.LANGUAGES = [*settings.LANGUAGES, (pseudo_locale.CODE, "Pseudo")]
    return pseudo_locale.CODE


@pytest.fixture
def dataset(people, sandbox, post_callback, agent, supervisor, admin_user) -> dict[str, Any]:
    """What the pages show, and the values of their path parameters."""
    sandbox.control("POST", "/_sandbox/showcase")
    team_add(actor=admin_user, name="Поддержка")
    contact_platform_id = next(iter(people.values()))
    for n, dialog in enumerate(("5f3cd834e8aadd00137359a1", "5f3cd834e8aadd00137359a2")):
        post_callback(handover(dialog, contact_id=contact_platform_id, connection_id=n + 1))
        post_callback(incoming(dialog, text="Здравствуйте, где мой заказ?"))
    handled = Conversation.objects.get(platform_id="5f3cd834e8aadd00137359a1")
    conversation_claim(conversation_id=handled.pk, user=agent)
    note_create(conversation_id=handled.pk, user=agent, text="Проверить доставку")
    label = label_create(actor=admin_user, name="Возврат", colour=LabelColour.RED)
    conversation_label_add(conversation_id=handled.pk, user=agent, label_id=label.pk)
    conversation_close(conversation_id=handled.pk, user=agent)
    data = set(strings_in([vars(seed)[name] for name in dir(seed) if name.isupper()]))
    data |= set(strings_in([vars(showcase)[name] for name in dir(showcase) if name.isupper()]))
    data |= set(CHANNEL_ID_FIELDS)
    for user in User.objects.all():
        data |= {user.username, user.get_full_name(), user.first_name, user.last_name}
    data |= set(Team.objects.values_list("name", flat=True))
    for contact in Contact.objects.all():
        data |= {contact.name, *strings_in([contact.variable_values, contact.source_profiles])}
    data |= set(Variable.objects.values_list("name", flat=True))
    data |= set(Conversation.objects.values_list("channel", flat=True))
    return {
        "data": data,
        "users": {Role.AGENT: agent, Role.SUPERVISOR: supervisor, Role.ADMIN: admin_user},
        "values": {
            "contact_id": handled.contact_id,
            "conversation_id": handled.pk,
            "variable_id": Variable.objects.order_by("pk").first().pk,
            "platform_id": 2,
            "template_id": 1,
            "user_id": agent.pk,
            "label_id": label.pk,
        },
    }


def client_as(user: User | None, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def english_left(response, dataset) -> list[str]:
    return pseudo_locale.untranslated(
        response.content.decode(), data=dataset["data"], allowed=ALLOWED
    )


def test_the_walk_covers_every_kind_of_page(dataset):
    routes = {page.route for page in page_routes(dataset["values"])}
    assert {"accounts/login/", "", "contacts/", "reports/period/", "admin/templates"} <= routes
    assert "admin/teams" not in routes  # a form's target (POST only), not a page


def test_every_page_is_in_russian(pseudo, dataset, platform):
    users = dataset["users"]
    found: list[str] = []
    seen = []

    def check(label: str, response, status: int = 200) -> None:
        seen.append(label)
        if response.status_code != status:
            found.append(f"{label}: answered {response.status_code}, not {status}")
            return
        found.extend(f"{label}: {text!r}" for text in english_left(response, dataset))

    for page in page_routes(dataset["values"]):
        for role in dict.fromkeys([page.least, Role.ADMIN]):
            client = client_as(users.get(role), pseudo)
            check(f"{page.url} as {role or 'anonymous'}", client.get(page.url))

    supervisor = client_as(users[Role.SUPERVISOR], pseudo)
    check("a filter that does not parse", supervisor.get("/contacts/?filter={"), 400)
    check("404", supervisor.get("/contacts/999999/"), 404)
    check("403", client_as(users[Role.AGENT], pseudo).get("/reports/"), 403)
    anonymous = client_as(None, pseudo)
    check(
        "a wrong password",
        anonymous.post("/accounts/login/", {"username": "agent", "password": "wrong"}),
    )
    admin = client_as(users[Role.ADMIN], pseudo)
    check("a flash message", admin.post("/admin/teams", {"name": "Продажи"}, follow=True))
    check("a form's errors", admin.post("/admin/templates", {"name": "has space!"}), 400)
    with translation.override(pseudo):
        check("500", server_error(RequestFactory().get("/")), 500)

    assert len(seen) > 25
    assert not found, "English on the Russian pages (page: text):\n" + "\n".join(found)


@pytest.mark.parametrize("url", ["/contacts/export.csv", "/reports/period.csv"])
def test_csv_headers_are_in_russian(pseudo, dataset, url):
    response = client_as(dataset["users"][Role.SUPERVISOR], pseudo).get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    header = next(csv.reader(io.StringIO(text.decode().lstrip("\ufeff"))))
    left = [name for name in header if pseudo_locale.LATIN.search(pseudo_locale.unmarked(name))]
    variables = set(Variable.objects.values_list("name", flat=True))
    assert [name for name in left if name not in variables] == []
