"""Working as a team on the desk page (issue 17), in chromium with two operators in two browser
contexts: who else is here and typing, the confirm before a reply crosses someone's typing, a
mention from the @ picker alerting the one named, and a snooze coming back when the user
writes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from operators.roles import Role
from tests.support.browser import (  # noqa: F401 (fixtures)
    browser,
    browser_context_args,
    browser_type,
    playwright,
    screenshot,
    sign_in,
)
from tests.support.live_desk import LiveDesk, live_desk, start_dialog

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk(status_delays=(2, 5), time_scale=10) as running:
        yield running


def open_and_claim(page: Page, text: str) -> None:
    row = page.locator("button.conv", has_text=text)
    expect(row).to_be_visible(timeout=WAIT)
    row.click()
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned", timeout=WAIT)


def test_two_operators_see_each_other_typing_and_a_mention_alerts_the_one_named(
    desk: LiveDesk, page: Page
):
    desk.operator("anna", Role.AGENT)
    desk.operator("boris", Role.SUPERVISOR)
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    boris = other.new_page()
    sign_in(boris, desk, "boris")
    sign_in(page, desk, "anna")
    start_dialog(desk, "My order never came", channel="telegram")
    open_and_claim(page, "My order never came")

    boris.get_by_role("tab", name=re.compile("Open")).click()
    boris.locator("button.conv", has_text="My order never came").click()
    expect(page.locator("#thread-presence")).to_have_text("Boris is viewing", timeout=WAIT)
    expect(boris.locator("#thread-presence")).to_have_text("Anna is viewing", timeout=WAIT)

    # Boris writes a note: Anna sees him typing, and her reply asks first.
    boris_box = boris.locator("#composer-text")
    boris_box.fill("Before you answer: ")
    boris_box.press_sequentially("check the courier")
    expect(page.locator("#thread-presence")).to_have_text(
        re.compile(r"^Boris is typing…"), timeout=WAIT
    )
    composer = page.get_by_role("textbox", name="Reply to the contact")
    composer.fill("Sorry! Let me check.")
    composer.press("Enter")
    confirm = page.get_by_role("dialog", name="Someone else is typing")
    expect(confirm).to_be_visible()
    screenshot(page, "collaboration-typing-confirm")
    page.keyboard.press("Escape")  # wait
    expect(confirm).to_be_hidden()
    expect(composer).to_have_value("Sorry! Let me check.")
    expect(page.locator(".msg-outgoing")).to_have_count(0)

    # Anna mentions Boris from the @ picker, by keyboard.
    page.keyboard.press("Escape")
    page.locator("#messages").focus()
    page.keyboard.press("n")
    note = page.locator("#composer-text")
    expect(note).to_be_focused()
    note.press_sequentially("@bor")
    picker = page.locator("#mention-list")
    expect(picker.get_by_role("option", name=re.compile("Boris"))).to_be_visible()
    note.press("Enter")
    expect(note).to_have_value("@Boris ")
    note.press_sequentially("was this shipped?")
    note.press("Enter")
    expect(page.locator(".msg-note .mention", has_text="@Boris")).to_be_visible(timeout=WAIT)

    toast = boris.locator(".toast", has_text="Anna mentioned you")
    expect(toast).to_have_count(1, timeout=WAIT)
    expect(toast).to_contain_text("@Boris was this shipped?")
    expect(toast).to_be_visible(timeout=WAIT)
    expect(boris.locator("#mentions-count")).to_be_hidden(timeout=WAIT)  # read: it is open
    screenshot(boris, "collaboration-mention-toast")
    other.close()


def test_a_snoozed_conversation_waits_in_snoozed_and_comes_back_when_the_user_writes(
    desk: LiveDesk, page: Page
):
    desk.operator("vera", Role.AGENT)
    sign_in(page, desk, "vera")
    dialog = start_dialog(desk, "Call me tomorrow please", channel="telegram")
    open_and_claim(page, "Call me tomorrow please")
    page.locator("#messages").focus()
    page.keyboard.press("s")
    snooze = page.get_by_role("dialog", name="Snooze the conversation")
    expect(snooze).to_be_visible()
    snooze.get_by_label("Until the user writes").check()
    snooze.get_by_role("button", name="Snooze", exact=True).click()
    expect(snooze).to_be_hidden()
    expect(page.locator("#thread-snooze")).to_have_text("Snoozed until the user writes")
    expect(page.get_by_role("tab", name=re.compile("Snoozed"))).to_contain_text("1")
    page.get_by_role("tab", name=re.compile("Mine")).click()
    expect(page.locator("button.conv", has_text="Call me tomorrow please")).to_have_count(0)
    screenshot(page, "collaboration-snoozed")

    desk.sandbox.control(
        "POST", f"/_sandbox/conversations/{dialog['id']}/messages", {"text": "Actually, now"}
    )
    expect(page.locator(".toast", has_text="Snoozed conversation is back")).to_be_visible(
        timeout=WAIT
    )
    expect(page.locator("button.conv", has_text="Actually, now")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("tab", name=re.compile("Snoozed"))).to_contain_text("0")
