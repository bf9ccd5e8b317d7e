"""Labels, priority and bulk actions in a real browser (issue 17): an admin defines labels on
the admin page; an agent labels and prioritises from the keyboard, and a supervisor in another
browser context sees it live, filters by the label, and acts on several rows at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from operators.roles import Role
from tests.support.browser import (  # noqa: F401 (fixtures)
    VIEWPORT,
    browser,
    browser_type,
    playwright,
    screenshot,
    sign_in,
)
from tests.support.live import until
from tests.support.live_desk import LiveDesk, live_desk, start_dialog

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000  # ms: generous for a 2-core machine shared with other test runs
QUEUE = 14  # dialogs waiting: a morning's queue, enough to page and select a range in


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk() as running:
        for username, role in (
            ("ladmin", Role.ADMIN),
            ("lsuper", Role.SUPERVISOR),
            ("lagent", Role.AGENT),
        ):
            running.operator(username, role)
        session = running.login("lsuper")
        for n in range(QUEUE):
            start_dialog(running, f"Question number {n:02d}")
        until(
            lambda: (
                len(running.api(session, "GET", "conversations?state=queued").json()["data"])
                == QUEUE
            ),
            timeout=60,
        )
        yield running


@pytest.fixture(scope="module")
def signed_in(request, desk: LiveDesk) -> Iterator[Callable[[str], Page]]:
    """Each person in a browser context of their own (their own cookies), signed in."""
    chromium: Browser = request.getfixturevalue("browser")
    made: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = chromium.new_context(viewport=VIEWPORT, locale="en-US", color_scheme="light")
        made.append(context)
        page = context.new_page()
        sign_in(page, desk, username)
        return page

    yield open_as
    for context in made:
        context.close()


def row(page: Page, text: str):
    return page.locator("button.conv", has_text=text)


def test_labels_and_priority_set_by_keyboard_show_live_for_a_supervisor(
    desk: LiveDesk, signed_in: Callable[[str], Page]
):
    admin = signed_in("ladmin")
    for name, colour in (("Возврат", "teal"), ("VIP", "purple")):
        admin.goto(f"{desk.url}/admin/labels")
        admin.get_by_label("Name").fill(name)
        admin.locator(f'input[name="colour"][value="{colour}"]').check()
        admin.get_by_role("button", name="Create the label").click()
        expect(admin.locator(".admin-messages")).to_contain_text(f"Saved the label “{name}”")
    screenshot(admin, "admin-labels")

    agent = signed_in("lagent")
    supervisor = signed_in("lsuper")
    row(agent, "Question number 03").click()
    expect(agent.locator("#thread")).to_be_visible()
    agent.locator("#messages").focus()
    agent.keyboard.press("l")
    picker = agent.get_by_role("dialog", name="Labels")
    expect(picker).to_be_visible()
    agent.keyboard.type("воз")
    expect(picker.get_by_role("option")).to_have_count(1)
    agent.keyboard.press("Enter")
    expect(picker.get_by_role("option", name="Возврат")).to_have_attribute("aria-selected", "true")
    agent.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(agent.locator("#messages")).to_be_focused()  # back where the shortcut was pressed
    expect(agent.locator("#thread-labels .label-chip")).to_have_text(["Возврат×"])

    labelled = row(supervisor, "Question number 03")
    expect(labelled.locator(".label-chip")).to_have_text("Возврат", timeout=WAIT)

    agent.keyboard.press("p")
    expect(agent.locator("#thread-priority")).to_be_focused()
    agent.locator("#thread-priority").select_option("urgent")
    # The supervisor's queue puts it first, marked urgent, though it has not waited longest.
    first = supervisor.locator("#conversation-list button.conv").first
    expect(first).to_contain_text("Question number 03", timeout=WAIT)
    expect(first.locator(".priority-badge")).to_have_text("Urgent")

    supervisor.locator("#filter-label").select_option(label="Возврат")
    expect(supervisor.locator("#conversation-list button.conv")).to_have_count(1)
    screenshot(supervisor, "supervisor-label-filter")
    supervisor.get_by_role("button", name="Reset").click()
    expect(supervisor.locator("#conversation-list button.conv")).to_have_count(QUEUE)

    # The agent takes the label off with the chip's own button; the supervisor's row follows.
    agent.get_by_role("button", name="Remove the label Возврат").click()
    expect(labelled.locator(".label-chip")).to_have_count(0, timeout=WAIT)


def test_a_supervisor_assigns_a_range_and_sees_the_row_that_failed(
    desk: LiveDesk, signed_in: Callable[[str], Page]
):
    # Four rows of the open list, longest waiting first; the agent holds the second already.
    watcher = desk.login("lsuper")
    rows = desk.api(watcher, "GET", "conversations?state=open&sort=waiting").json()["data"]
    picked = [c["preview"]["text"] for c in rows[2:6]]
    session = desk.login("lagent")
    assert desk.api(session, "POST", f"conversations/{rows[3]['id']}/claim").ok

    supervisor = signed_in("lsuper")
    agent = signed_in("lagent")
    supervisor.get_by_role("tab", name=re.compile("Open")).click()
    supervisor.locator("#filter-sort").select_option("waiting")
    # X selects the open conversation (and starts selecting); Shift+click ticks the range.
    row(supervisor, picked[0]).click()
    supervisor.locator("#messages").focus()
    supervisor.keyboard.press("x")
    expect(supervisor.locator("#bulk-count")).to_have_text("1 selected")
    last = supervisor.locator("#conversation-list li", has_text=picked[3]).locator(".bulk-check")
    last.click(modifiers=["Shift"])
    expect(supervisor.locator("#bulk-count")).to_have_text("4 selected")
    # The same from the keyboard: Space unticks one, Shift+Space on another ticks the range.
    last.focus()
    supervisor.keyboard.press("Space")
    expect(supervisor.locator("#bulk-count")).to_have_text("3 selected")
    supervisor.locator("#conversation-list li", has_text=picked[1]).locator(".bulk-check").focus()
    supervisor.keyboard.press("Space")
    expect(supervisor.locator("#bulk-count")).to_have_text("2 selected")
    last.focus()
    supervisor.keyboard.press("Shift+Space")
    expect(supervisor.locator("#bulk-count")).to_have_text("4 selected")
    ticked = supervisor.locator("#conversation-list li:has(.bulk-check:checked) .conv-preview")
    expect(ticked).to_have_text(picked)

    supervisor.locator("#bulk-action").select_option("assign")
    operator = supervisor.locator("#bulk-operator")
    expect(operator.locator("option", has_text="Lagent")).to_have_count(1)
    operator.select_option(label=operator.locator("option", has_text="Lagent").inner_text())
    supervisor.get_by_role("button", name="Apply").click()

    report = supervisor.locator("#bulk-report")
    expect(report).to_contain_text("Done for 3 of 4 conversations.", timeout=WAIT)
    expect(report.locator(".bulk-failures li")).to_have_count(1)
    expect(report.locator(".bulk-failures li")).to_contain_text("already assigned to Lagent")
    expect(supervisor.locator("#bulk-count")).to_have_text("1 selected")
    screenshot(supervisor, "supervisor-bulk-report")
    expect(agent.locator('[data-count="mine"]')).to_have_text("4", timeout=WAIT)
