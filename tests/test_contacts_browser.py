"""The contact pages in a real browser (Debian's chromium) against a live desk: the filter
builder writes the platform's filter object into the URL, and the profile loads its deals,
all under the desk's Content-Security-Policy (no inline script or style)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from operators.roles import Role
from tests.support.browser import (  # noqa: F401 (fixtures)
    browser,
    browser_context_args,
    browser_type,
    playwright,
    screenshot,
)
from tests.support.live import manage
from tests.support.live_desk import LIVE_ENV, PASSWORD, LiveDesk, live_desk

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000  # ms: a 2-core machine shared with other test runs


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk() as running:
        running.operator("boss", Role.SUPERVISOR)
        env = {
            **LIVE_ENV,
            "DATABASE_URL": running.database_url,
            "FROMNI_BASE_URL": running.sandbox.api_url,
        }
        synced = manage("fromni_sync", "variables", "contacts", "--no-progress", env=env)
        assert synced.returncode == 0, synced.stderr
        yield running


@pytest.fixture
def signed_in(page: Page, desk: LiveDesk) -> Page:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{desk.url}/accounts/login/?next=/contacts/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible(timeout=WAIT)
    yield page
    assert problems == [], problems  # a CSP violation or a script error shows up here


def test_the_filter_builder_puts_the_platform_filter_in_the_url(signed_in: Page):
    page = signed_in
    builder = page.locator("#filter-builder")
    expect(builder).to_be_visible()
    page.get_by_role("button", name="+ Condition").click()
    row = builder.locator(".filter-condition").first
    row.get_by_label("Field").select_option("City")
    row.get_by_label("Operator").select_option("eq")
    row.get_by_label("Value").fill("Moscow")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".contact-table tbody tr")).to_have_count(1, timeout=WAIT)
    expect(page.locator(".contact-table")).to_contain_text("Maria Ivanova")
    sent = json.loads(parse_qs(urlsplit(page.url).query)["filter"][0])
    assert sent == {
        "union": "and",
        "conditions": [{"field": "City", "op": "eq", "value": "Moscow"}],
    }
    # The builder shows the filter the URL carries, and operators follow the field's type.
    row = page.locator("#filter-builder .filter-condition").first
    expect(row.get_by_label("Value")).to_have_value("Moscow")
    row.get_by_label("Field").select_option("Birthday")
    operator = row.get_by_label("Operator").locator("option")
    # People read words; the platform's codes stay in the values (and so in the URL).
    assert operator.all_inner_texts() == ["is", "is not", "is set", "is not set", "before", "after"]
    values = [operator.nth(n).get_attribute("value") for n in range(operator.count())]
    assert values == ["eq", "neq", "exists", "nexists", "before", "after"]
    fields = row.get_by_label("Field")
    expect(fields.locator("option[value=vkId]")).to_have_text("VK id")
    expect(page.get_by_label("Order").locator("option[value='-createdAt']")).to_have_text(
        "Newest first"
    )
    expect(row.get_by_label("Value")).to_have_value("")
    screenshot(page, "contacts-list-filter")


def test_the_profile_shows_the_contact_and_loads_deals(signed_in: Page, desk: LiveDesk):
    page = signed_in
    page.get_by_role("link", name="Ivan Petrov").click()
    expect(page.get_by_role("heading", name="Ivan Petrov")).to_be_visible(timeout=WAIT)
    expect(page.locator("#deals")).to_contain_text("No deals.", timeout=WAIT)
    expect(page.locator(".profile-json")).to_contain_text("Saint Petersburg")
    expect(page.get_by_label("City")).to_have_value("Saint Petersburg")
    page.get_by_label("City").fill("Pskov")
    page.get_by_role("button", name="Save variables").click()
    expect(page.get_by_role("status")).to_contain_text("Variables saved on the platform.")
    expect(page.get_by_label("City")).to_have_value("Pskov")
    screenshot(page, "contacts-profile")
