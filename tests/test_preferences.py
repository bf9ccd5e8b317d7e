"""Each operator's language and time zone (issue 18): kept in their profile, switchable on every
page, the browser's language while they have chosen none; times shown in the operator's zone,
or the desk's, with Django's formats of the page's language."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, ProgrammingError
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from psycopg_pool import PoolTimeout

from audit.models import AuditEntry
from contacts.models import Contact
from operators.middleware import OperatorPreferencesMiddleware
from operators.models import OperatorProfile

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# 00:54 UTC on 2 December 2026: 03:54 in Moscow, 10:54 in Vladivostok, the day before in LA.
MOMENT = datetime(2026, 12, 2, 0, 54, tzinfo=UTC)


def html_lang(answer) -> str:
    return re.search(r'<html lang="([^"]+)"', answer.content.decode()).group(1)


def profile_of(user) -> OperatorProfile:
    return OperatorProfile.objects.get(user=user)


def choose_language(client: Client, language: str, next_url: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


# --- the language ----------------------------------------------------------------------------


def test_the_chosen_language_is_kept_in_the_profile_and_follows_to_another_browser(agent):
    first = Client()
    first.force_login(agent)
    answer = choose_language(first, "ru", "/settings")
    assert answer.status_code == 302 and answer["Location"] == "/settings"
    assert profile_of(agent).language == "ru"

    elsewhere = Client()  # another browser: no language cookie, an English browser
    elsewhere.force_login(agent)
    page = elsewhere.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert html_lang(page) == "ru"
    assert page["Content-Language"] == "ru"
    assert "Выйти" in page.content.decode()  # the desk's own "Sign out", translated


def test_choosing_a_language_is_in_the_audit_log(agent, client):
    client.force_login(agent)
    choose_language(client, "ru")
    entry = AuditEntry.objects.get(action="operator.preferences")
    assert (entry.actor, entry.target) == (agent, f"user:{agent.pk}")
    assert entry.details == {"language": ["", "ru"]}


def test_while_nothing_is_chosen_the_browser_language_is_used_and_a_choice_beats_it(agent, client):
    client.force_login(agent)
    assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")) == "ru"
    assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")) == "en"

    choose_language(client, "en")
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # the profile alone keeps it
    assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")) == "en"

    # Back to "the browser's" on the settings page: the Accept-Language header rules again.
    answer = client.post("/settings", {"language": "", "time_zone": ""})
    assert answer.status_code == 302
    assert profile_of(agent).language == ""
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # the old choice forgotten
    assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")) == "ru"


def test_an_anonymous_choice_is_a_cookie_as_django_keeps_it(client):
    answer = choose_language(client, "ru", "/accounts/login/")
    assert answer.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert html_lang(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")) == "ru"
    assert not OperatorProfile.objects.filter(language="ru").exists()


def test_an_unknown_language_changes_nothing(agent, client):
    client.force_login(agent)
    choose_language(client, "ru")
    answer = choose_language(client, "xx")
    assert answer.status_code == 302  # as Django's own view does: back, unchanged
    assert profile_of(agent).language == "ru"


# --- the switcher and the way to one's settings on every layout ------------------------------

SWITCHER = re.compile(
    r'<form[^>]*action="/i18n/setlang/".*?<label for="(?P<id>[^"]+)"[^>]*>(?P<label>[^<]+)</label>'
    r'\s*<select name="language" id="(?P=id)".*?<button type="submit"[^>]*>',
    re.S,
)


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("agent", "/", 200),
        ("agent", "/settings", 200),
        ("supervisor", "/contacts/", 200),
        ("supervisor", "/contacts/variables/", 200),
        ("supervisor", "/reports/", 200),
        ("supervisor", "/reports/period/", 200),
        ("supervisor", "/reports/campaigns/", 200),
        ("admin", "/admin/", 200),
        ("admin", "/admin/operators", 200),
        ("admin", "/admin/audit", 200),
        ("agent", "/reports/", 403),
        ("agent", "/no/such/page", 404),
        (None, "/accounts/login/", 200),
    ],
)
def test_every_layout_has_the_language_switcher_and_my_settings(request, client, who, path, status):
    if who:
        client.force_login(request.getfixturevalue({"admin": "admin_user"}.get(who, who)))
    answer = client.get(path)
    assert answer.status_code == status
    html = answer.content.decode()
    switcher = SWITCHER.search(html)
    assert switcher, f"no labelled language switcher on {path}"
    assert switcher["label"] == "Language"
    assert 'name="csrfmiddlewaretoken"' in html[switcher.start() : switcher.end()]
    if who:
        assert re.search(r'<a [^>]*href="/settings"[^>]*>My settings</a>', html), path


def test_every_page_layout_includes_the_switcher():
    """A template that starts a page of its own (extends base.html) brings the switcher, so a
    new layout cannot leave it out."""
    layouts = [
        path
        for path in TEMPLATES.rglob("*.html")
        if '{% extends "base.html" %}' in path.read_text()
    ]
    assert len(layouts) >= 7, layouts
    missing = [
        str(path.relative_to(TEMPLATES))
        for path in layouts
        if '{% include "language_switcher.html"' not in path.read_text()
    ]
    assert missing == []


# --- the time zone ---------------------------------------------------------------------------


@pytest.fixture
def contact(db) -> Contact:
    return Contact.objects.create(
        platform_id="c-1",
        phone="79990001122",
        name="Olga",
        platform_created_at=MOMENT,
        platform_updated_at=MOMENT,
    )


def contact_times(client: Client, contact: Contact) -> tuple[str, str]:
    listed = client.get("/contacts/").content.decode()
    shown = client.get(f"/contacts/{contact.pk}/").content.decode()
    pattern = r'<time datetime="2026-12-0[12]T[^"]+">([^<]+)</time>'
    return re.search(pattern, listed).group(1), re.search(pattern, shown).group(1)


def test_times_follow_the_desk_zone_then_the_operator_own(supervisor, admin_user, contact, client):
    client.force_login(supervisor)
    choose_language(client, "ru")
    assert contact_times(client, contact) == ("02.12.2026 00:54", "02.12.2026 00:54")
    shown = re.sub(r'datetime="[^"]*"', "", client.get("/contacts/").content.decode())
    assert "2026-12-02T00:54" not in shown  # the raw ISO the list used to print

    admin = Client()
    admin.force_login(admin_user)
    assert admin.post("/admin/time-zone", {"time_zone": "Europe/Moscow"}).status_code == 302
    assert contact_times(client, contact) == ("02.12.2026 03:54", "02.12.2026 03:54")

    client.post("/settings", {"language": "ru", "time_zone": "Asia/Vladivostok"})
    assert contact_times(client, contact) == ("02.12.2026 10:54", "02.12.2026 10:54")
    # The admin's own zone is still the desk's.
    admin.post("/settings", {"language": "en", "time_zone": ""})
    page = admin.get(f"/contacts/{contact.pk}/").content.decode()
    assert re.search(r'<time datetime="[^"]+">12/02/2026 3:54 a\.m\.</time>', page)


def test_the_desk_zone_change_is_audited_and_a_bad_zone_changes_nothing(admin_user, client):
    client.force_login(admin_user)
    client.post("/admin/time-zone", {"time_zone": "Europe/Moscow"})
    entry = AuditEntry.objects.get(action="setting.time_zone")
    assert entry.details == {"timeZone": ["", "Europe/Moscow"]}
    answer = client.post("/admin/time-zone", {"time_zone": "Mars/Olympus"}, follow=True)
    assert "Mars/Olympus is not a time zone" in answer.content.decode()
    assert AuditEntry.objects.filter(action="setting.time_zone").count() == 1
    page = client.get("/admin/").content.decode()
    assert re.search(r'<option value="Europe/Moscow" selected>', page)


def test_the_page_tells_its_scripts_the_zone(agent, client):
    client.force_login(agent)
    assert 'data-time-zone="UTC"' in client.get("/").content.decode()
    client.post("/settings", {"language": "", "time_zone": "Asia/Kolkata"})
    assert 'data-time-zone="Asia/Kolkata"' in client.get("/").content.decode()


def test_report_dates_use_the_language_formats(supervisor, client):
    client.force_login(supervisor)
    query = "/reports/period/?start=2026-11-26&end=2026-11-27"
    english = client.get(query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nov. 26, 2026" in english and "Ноя" not in english
    russian = client.get(query, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "26 ноября 2026 г." in russian


# --- the settings page -----------------------------------------------------------------------


def test_my_settings_saves_the_language_and_zone(agent, client):
    client.force_login(agent)
    page = client.get("/settings").content.decode()
    assert '<select name="time_zone"' in page and '<option value="Europe/Moscow"' in page
    answer = client.post("/settings", {"language": "ru", "time_zone": "Europe/Moscow"})
    assert answer.status_code == 302 and answer["Location"] == "/settings"
    assert (profile_of(agent).language, profile_of(agent).time_zone) == ("ru", "Europe/Moscow")
    after = client.get("/settings").content.decode()
    assert html_lang(client.get("/settings")) == "ru"
    assert "Настройки сохранены." in after


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        ({"language": "ru", "time_zone": "Mars/Olympus"}, "Mars/Olympus is not a time zone"),
        ({"language": "xx", "time_zone": "Europe/Moscow"}, "xx is not a language of the desk"),
        ({"time_zone": "Europe/Moscow"}, "Choose a language"),
    ],
)
def test_bad_input_on_my_settings_changes_nothing(agent, client, sent, error):
    client.force_login(agent)
    client.post("/settings", {"language": "en", "time_zone": "Asia/Kolkata"})
    answer = client.post("/settings", sent)
    assert answer.status_code == 400
    assert error in answer.content.decode()
    assert (profile_of(agent).language, profile_of(agent).time_zone) == ("en", "Asia/Kolkata")
    assert AuditEntry.objects.filter(action="operator.preferences").count() == 1


def _database_away() -> None:
    """What Django raises when the pool has no connection to give: an OperationalError whose
    cause is psycopg_pool's PoolTimeout."""
    try:
        raise PoolTimeout("couldn't get a connection after 1.00 sec")
    except PoolTimeout as timeout:
        raise OperationalError("couldn't get a connection") from timeout


def test_a_database_outage_is_left_to_the_view_not_raised_by_the_preferences():
    """Reading who the reader is loads the session from the database; while it is away the
    middleware keeps the desk's defaults, and the view answers its 503 (operator_desk/api.py)
    instead of a traceback from the middleware."""
    request = RequestFactory().get("/api/conversations")
    request.user = SimpleLazyObject(_database_away)
    timezone.activate(zoneinfo.ZoneInfo("Asia/Vladivostok"))
    OperatorPreferencesMiddleware(lambda r: None).process_request(request)
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_a_failing_statement_in_the_preferences_is_still_raised():
    """Only an absent database is passed over; any other database error is a bug to see."""
    request = RequestFactory().get("/api/conversations")

    def broken() -> None:
        raise ProgrammingError("relation does not exist")

    request.user = SimpleLazyObject(broken)
    with pytest.raises(ProgrammingError):
        OperatorPreferencesMiddleware(lambda r: None).process_request(request)
