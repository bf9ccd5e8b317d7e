"""The live dashboard in a real browser (Debian's chromium) against a live desk and the sandbox:
dialogs the sandbox hands over show up in the queue figures without a reload, and a supervisor
takes one over from the dashboard; under the desk's CSP (no inline script or style)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from operators.roles import Role
from tests.support.browser import (  # noqa: F401 (fixtures)
    VIEWPORT,
    browser,
    browser_context_args,
    browser_type,
    playwright,
    screenshot,
)
from tests.support.live_desk import PASSWORD, LiveDesk, live_desk

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000  # ms: a 2-core machine shared with other test runs


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk() as running:
        running.operator("boss", Role.SUPERVISOR)
        running.operator("anna", Role.AGENT)
        yield running


def test_the_queue_figures_follow_the_sandbox_without_a_reload(page: Page, desk: LiveDesk):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{desk.url}/accounts/login/?next=/reports/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
    expect(page.locator("#queue-waiting")).to_have_text("0", timeout=WAIT)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    for channel in ("telegram", "vk", "telegram"):
        desk.sandbox.control(
            "POST", "/_sandbox/conversations", {"channel": channel, "windowSeconds": 240}
        )
    expect(page.locator("#queue-waiting")).to_have_text("3", timeout=WAIT)
    expect(page.locator("#open-conversations tr[data-conversation-id]")).to_have_count(3)
    # Windows of 4 minutes, nobody has replied: all three are flagged.
    expect(page.locator("#at-risk-count")).to_have_text("3")
    expect(page.locator("#by-channel")).to_contain_text("Telegram")
    expect(page.locator("#queue-longest")).not_to_have_text("—")
    assert page.evaluate("window.__sameDocument") is True

    first = page.locator("#open-conversations tr[data-conversation-id]").first
    first.get_by_role("button", name="Take over").click()
    expect(page.locator("#queue-waiting")).to_have_text("2", timeout=WAIT)
    expect(page.locator("#operators tr", has_text="Boss")).to_contain_text("1 / 5")
    second = page.locator("#open-conversations tr[data-conversation-id]", has_text="In queue").first
    second.get_by_role("combobox").select_option(label="Anna (0/5, offline)")
    expect(page.locator("#queue-waiting")).to_have_text("1", timeout=WAIT)
    expect(page.locator("#operators tr", has_text="Anna")).to_contain_text("1 / 5")
    assert page.evaluate("window.__sameDocument") is True

    # A keyboard user on a row's "Take over" keeps their place when the tables are redrawn.
    kept = page.locator("#open-conversations button[data-action='take-over']").first
    kept_id = kept.get_attribute("data-id")
    kept.focus()
    desk.sandbox.control("POST", "/_sandbox/conversations", {"channel": "vk"})
    expect(page.locator("#queue-waiting")).to_have_text("2", timeout=WAIT)
    focused = page.evaluate(
        "[document.activeElement.dataset.action, document.activeElement.dataset.id]"
    )
    assert focused == ["take-over", kept_id]
    screenshot(page, "reports-dashboard-live")
    assert problems == [], problems


def test_the_report_page_renders_its_charts(page: Page, desk: LiveDesk):
    # The boss answers and closes the conversation taken over above: a handled one to chart.
    boss = desk.login("boss")
    mine = desk.api(boss, "GET", "conversations?state=mine").json()["data"]
    assert mine, "the first test took one over"
    reply = desk.api(boss, "POST", f"conversations/{mine[0]['id']}/replies", {"text": "Hi!"})
    assert reply.status_code in (200, 201), reply.text
    assert desk.api(boss, "POST", f"conversations/{mine[0]['id']}/close").status_code == 200
    page.goto(f"{desk.url}/accounts/login/?next=/reports/period/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Why replies failed")).to_be_visible(timeout=WAIT)
    expect(page.locator("svg.chart:not(.chart-trend)")).to_have_count(6)  # one per measure
    expect(page.locator("svg.chart-trend")).to_have_count(4)  # day by day
    expect(page.locator("#total-handled")).to_have_text("1")
    expect(page.locator("#report-table")).to_contain_text("Boss")
    screenshot(page, "reports-period")
    page.locator("#trend-heading").scroll_into_view_if_needed()
    screenshot(page, "reports-period-trend")


def test_a_language_chosen_on_a_reports_page_sticks_and_follows_to_another_browser(
    page: Page, desk: LiveDesk
):
    """By keyboard, from a page without the desk's script; kept after a reload and in a fresh
    browser context (another browser: no cookie, English Accept-Language)."""
    desk.operator("vera", Role.SUPERVISOR)
    page.goto(f"{desk.url}/accounts/login/?next=/reports/period/")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=WAIT)
    switcher = page.get_by_label("Language", exact=True)
    switcher.focus()
    switcher.select_option("ru")
    page.keyboard.press("Tab")  # to "Change language"
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "ru", timeout=WAIT)
    assert page.url.endswith("/reports/period/")
    expect(page.get_by_role("link", name="Мои настройки")).to_be_visible()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_label("Язык", exact=True)).to_have_value("ru")
    # The dashboard's own script speaks Russian too (the catalogue of /jsi18n/).
    page.goto(f"{desk.url}/reports/")
    expect(page.locator("#connection")).to_have_text("На связи", timeout=WAIT)
    expect(page.locator("#operators")).to_contain_text("в сети")
    expect(page.locator("#operators")).to_contain_text(" из ")
    screenshot(page, "reports-period-russian")

    elsewhere = page.context.browser.new_context(locale="en-US", viewport=VIEWPORT)
    try:
        other = elsewhere.new_page()
        other.goto(f"{desk.url}/accounts/login/?next=/contacts/")
        expect(other.locator("html")).to_have_attribute("lang", "en")
        other.get_by_label("Username").fill("vera")
        other.get_by_label("Password").fill(PASSWORD)
        other.get_by_role("button", name="Sign in").click()
        expect(other.locator("html")).to_have_attribute("lang", "ru", timeout=WAIT)
        assert other.url.endswith("/contacts/")
    finally:
        elsewhere.close()
