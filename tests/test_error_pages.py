"""The 403, 404 and 500 pages: in the site's look, saying why in the reader's language, with
the way back; a refusal is logged as one line, not as a fault with its traceback."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("Only the night shift opens this page.")


# The desk's routes and one that fails: a 500 page links to them like any other.
urlpatterns = [
    path("boom/", boom),
    path("refuse/", refuse),
    path("", include("operator_desk.urls")),
]


def test_an_agent_on_a_supervisors_page_reads_why_and_the_way_back(client, agent):
    client.force_login(agent)
    answer = client.get("/reports/")
    assert answer.status_code == 403
    html = answer.content.decode()
    assert "<main" in html and "<h1>Not allowed</h1>" in html
    assert "Only supervisors and admins open this page." in html  # the gate's own sentence
    assert 'href="/"' in html and "Back to the desk" in html
    assert "/accounts/login/?next=/reports/" in html
    assert "errors.css" in html


def test_the_error_pages_are_in_russian_for_a_russian_reader(client, agent):
    client.force_login(agent)
    forbidden = client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<h1>Нет доступа</h1>" in forbidden and "Вернуться в рабочее место" in forbidden
    missing = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<h1>Не найдено</h1>" in missing and "/no/such/page/" in missing


def test_a_page_that_does_not_exist_is_a_404_in_the_sites_look(client, agent):
    client.force_login(agent)
    answer = client.get("/no/such/page/")
    assert answer.status_code == 404
    html = answer.content.decode()
    assert "<h1>Not found</h1>" in html and "<code>/no/such/page/</code>" in html
    assert "Back to the desk" in html


@override_settings(ROOT_URLCONF=__name__)
def test_a_fault_is_a_500_page_that_says_nothing_is_lost():
    answer = Client(raise_request_exception=False).get("/boom/")
    assert answer.status_code == 500
    html = answer.content.decode()
    assert "<h1>Something went wrong</h1>" in html and "Nothing you sent before it is lost" in html


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("/reports/", "Forbidden: /reports/"),  # the role gate's answer
        ("/refuse/", "Forbidden (Permission denied): /refuse/"),  # a view's PermissionDenied
    ],
)
@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_is_one_log_line_without_a_traceback(client, agent, caplog, path, line):
    client.force_login(agent)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answer = client.get(path)
    assert answer.status_code == 403
    assert "<h1>Not allowed</h1>" in answer.content.decode()
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in logged] == [line]
    handler = logging.getLogger().handlers[0]
    assert "Traceback" not in handler.format(logged[0])
