"""Working as a team on the desk page (issue 17), in chromium with two operators in two browser
contexts: who else is here and typing, the confirm before a reply crosses someone's typing, a
mention from the @ picker alerting the one named and marking the row until it is read, and a
snooze of a conversation with no known window end, coming back when the user writes.

One desk and one browser for the module, each operator's context signed in once: the rules
under these pages are the services' and the socket's tests (test_rooms.py, test_mentions.py,
test_snooze.py); here only what needs the page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from operators.roles import Role
from tests.support.browser import (  # noqa: F401 (fixtures)
    VIEWPORT,
    browser,
    browser_type,
    playwright,
    screenshot,
    sign_in,
)
from tests.support.fixtures import handover, incoming
from tests.support.live_desk import LiveDesk, deliver, live_desk, start_dialog

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk(status_delays=(2, 5), time_scale=10) as running:
        running.operators({"anna": Role.AGENT, "boris": Role.SUPERVISOR})
        # A queue to work in, not a single row.
        for n, text in enumerate(
            ("Where is my refund", "Wrong size delivered", "Change my address")
        ):
            start_dialog(running, text, channel=("vk", "sms", "webchat")[n])
        yield running


def signed_in(chromium: Browser, desk: LiveDesk, username: str) -> Iterator[Page]:
    """A context of the module's browser, signed in once for all its tests."""
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US", color_scheme="light")
    page = context.new_page()
    sign_in(page, desk, username)
    yield page
    context.close()


@pytest.fixture(scope="module")
def anna(browser: Browser, desk: LiveDesk) -> Iterator[Page]:  # noqa: F811 (the fixture)
    yield from signed_in(browser, desk, "anna")


@pytest.fixture(scope="module")
def boris(browser: Browser, desk: LiveDesk) -> Iterator[Page]:  # noqa: F811 (the fixture)
    yield from signed_in(browser, desk, "boris")


def open_and_claim(page: Page, text: str) -> None:
    page.get_by_role("tab", name=re.compile("Queue")).click()
    row = page.locator("button.conv", has_text=text)
    expect(row).to_be_visible(timeout=WAIT)
    row.click()
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned", timeout=WAIT)


def note_mentioning(page: Page, name: str, text: str) -> None:
    """Anna writes a note naming `name` from the @ picker, by keyboard."""
    page.locator("#messages").focus()
    page.keyboard.press("n")
    note = page.locator("#composer-text")
    expect(note).to_be_focused()
    note.press_sequentially(f"@{name[:3].lower()}")
    picker = page.locator("#mention-list")
    expect(picker.get_by_role("option", name=re.compile(name))).to_be_visible()
    note.press("Enter")
    expect(note).to_have_value(f"@{name} ")
    note.press_sequentially(text)
    note.press("Enter")
    expect(page.locator(".msg-note", has_text=text).locator(".mention")).to_have_text(
        f"@{name}", timeout=WAIT
    )


def test_two_operators_see_each_other_typing_and_a_mention_alerts_the_one_named(
    desk: LiveDesk, anna: Page, boris: Page
):
    start_dialog(desk, "My order never came", channel="telegram")
    open_and_claim(anna, "My order never came")

    boris.get_by_role("tab", name=re.compile("Open")).click()
    boris.locator("button.conv", has_text="My order never came").click()
    expect(anna.locator("#thread-presence")).to_have_text("Boris is viewing", timeout=WAIT)
    expect(boris.locator("#thread-presence")).to_have_text("Anna is viewing", timeout=WAIT)

    # Boris writes a note: Anna sees him typing, and her reply asks first.
    boris_box = boris.locator("#composer-text")
    boris_box.fill("Before you answer: ")
    boris_box.press_sequentially("check the courier")
    expect(anna.locator("#thread-presence")).to_have_text(
        re.compile(r"^Boris is typing…"), timeout=WAIT
    )
    composer = anna.get_by_role("textbox", name="Reply to the contact")
    composer.fill("Sorry! Let me check.")
    composer.press("Enter")
    confirm = anna.get_by_role("dialog", name="Someone else is typing")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Boris is writing a note in this conversation right now")
    screenshot(anna, "collaboration-typing-confirm")
    anna.keyboard.press("Escape")  # wait
    expect(confirm).to_be_hidden()
    expect(composer).to_have_value("Sorry! Let me check.")
    expect(anna.locator(".msg-outgoing")).to_have_count(0)

    # Anna mentions Boris while he has the conversation open: alerted, and read at once.
    anna.keyboard.press("Escape")
    note_mentioning(anna, "Boris", "was this shipped?")
    toast = boris.locator(".toast", has_text="Anna mentioned you")
    expect(toast).to_have_count(1, timeout=WAIT)
    expect(toast).to_contain_text("@Boris was this shipped?")
    expect(toast).to_be_visible(timeout=WAIT)
    expect(boris.locator("#mentions-count")).to_be_hidden(timeout=WAIT)
    screenshot(boris, "collaboration-mention-toast")

    # Boris moves on; the next mention marks the conversation's row until he opens it.
    boris.locator("button.conv", has_text="Where is my refund").click()
    note_mentioning(anna, "Boris", "and the tracking number?")
    row = boris.locator("button.conv", has_text="My order never came")
    marker = row.locator(".mention-badge")
    expect(marker).to_have_attribute("aria-label", "1 unread mention of you", timeout=WAIT)
    expect(boris.locator("#mentions-count")).to_have_text("1")
    screenshot(boris, "collaboration-mention-marker")
    row.click()
    expect(marker).to_have_count(0)
    expect(boris.locator("#mentions-count")).to_be_hidden(timeout=WAIT)


def test_a_snooze_with_no_known_window_end_says_so_and_comes_back_when_the_user_writes(
    desk: LiveDesk, anna: Page
):
    # A hand-over whose platform gave no window end: only the user (or Anna) can wake it.
    body = handover("no-window-end", contact_id=f"{77:024d}")
    del body["data"]["operatorMode"]["expiresAt"]
    assert deliver(desk.url, body) == 200
    assert deliver(desk.url, incoming("no-window-end", "Call me tomorrow please")) == 200
    open_and_claim(anna, "Call me tomorrow please")
    anna.locator("#messages").focus()
    anna.keyboard.press("s")
    snooze = anna.get_by_role("dialog", name="Snooze the conversation")
    expect(snooze).to_be_visible()
    until_reply = snooze.get_by_label("Until the user writes")
    expect(until_reply).to_have_accessible_description(
        re.compile("not known: it comes back only when the user writes, or when you unsnooze it")
    )
    until_reply.check()
    screenshot(anna, "collaboration-snooze-no-window-end")
    snooze.get_by_role("button", name="Snooze", exact=True).click()
    expect(snooze).to_be_hidden()
    expect(anna.locator("#thread-snooze")).to_have_text("Snoozed until the user writes")
    expect(anna.get_by_role("tab", name=re.compile("Snoozed"))).to_contain_text("1")
    anna.get_by_role("tab", name=re.compile("Mine")).click()
    expect(anna.locator("button.conv", has_text="Call me tomorrow please")).to_have_count(0)
    screenshot(anna, "collaboration-snoozed")

    assert deliver(desk.url, incoming("no-window-end", "Actually, now")) == 200
    expect(anna.locator(".toast", has_text="Snoozed conversation is back")).to_be_visible(
        timeout=WAIT
    )
    expect(anna.locator("button.conv", has_text="Actually, now")).to_be_visible(timeout=WAIT)
    expect(anna.get_by_role("tab", name=re.compile("Snoozed"))).to_contain_text("0")
