"""The desk's search box and filter bar in a real browser (Debian's chromium) against a live
desk and the sandbox, with a queue of 60+ dialogs: a hit highlighted and opened at its message,
a contact found by a phone fragment, filters and order kept in the address across a reload."""

from __future__ import annotations

import re
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
    sign_in,
)
from tests.support.live_desk import LiveDesk, live_desk

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000
CHANNELS = ("telegram", "whatsapp-business", "vk")
QUEUE = 63


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk(status_delays=(2, 5), time_scale=10) as running:
        running.operator("finder", Role.AGENT)
        for n in range(QUEUE):
            running.sandbox.control(
                "POST",
                "/_sandbox/conversations",
                {"text": f"Question {n} about my order", "channel": CHANNELS[n % 3]},
            )
        running.sandbox.control(
            "POST",
            "/_sandbox/conversations",
            {
                "text": "Мой заказ 4417 не пришёл, <b>срочно</b>",
                "channel": "telegram",
                "contact": {"phone": "+79161234567"},
            },
        )
        yield running


def queue_rows(page: Page):
    return page.locator("#conversation-list button.conv")


def params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_message_is_found_highlighted_and_opened_where_it_was_written(desk: LiveDesk, page: Page):
    sign_in(page, desk, "finder")
    expect(queue_rows(page)).to_have_count(QUEUE + 1, timeout=WAIT * 3)
    # The bot's history (where the text is) is loaded from the platform after the hand-over.
    # "заказ 4417", not "4417": the sandbox's random phone numbers may end in it.
    expect(queue_rows(page).filter(has_text="заказ 4417")).to_be_visible(timeout=WAIT * 3)
    page.keyboard.press("Control+k")
    search = page.get_by_role("searchbox", name="Search conversations")
    expect(search).to_be_focused()
    search.fill("заказ")
    hit = page.locator("#search-results button.hit", has_text="заказ 4417")
    expect(hit).to_be_visible(timeout=WAIT)
    expect(hit.locator("mark")).to_have_text(re.compile("^заказ", re.IGNORECASE))
    # The message's markup is text, never markup.
    expect(hit.locator(".hit-snippet")).to_contain_text("<b>срочно")
    expect(hit.locator("b")).to_have_count(0)
    assert params(page)["q"] == ["заказ"]
    screenshot(page, "desk-search-results")

    hit.click()
    found = page.locator("#messages li.msg-found")
    expect(found).to_be_visible(timeout=WAIT)
    expect(found).to_contain_text("Мой заказ 4417")
    expect(found).to_be_in_viewport()
    screenshot(page, "desk-search-opened")

    search.fill("916 123")
    contact = page.locator("#search-results button.hit", has_text="+7916123")
    expect(contact).to_be_visible(timeout=WAIT)
    expect(contact.locator("mark")).to_have_text("916123")

    page.reload()
    expect(page.get_by_role("searchbox", name="Search conversations")).to_have_value("916 123")
    expect(page.locator("#search-results button.hit").first).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Clear the search").click()
    expect(page.locator("#search-panel")).to_be_hidden()
    expect(queue_rows(page)).to_have_count(QUEUE + 1)
    assert "q" not in params(page)


def test_filters_and_order_narrow_the_queue_and_survive_a_reload(desk: LiveDesk, page: Page):
    sign_in(page, desk, "finder")
    expect(queue_rows(page)).to_have_count(QUEUE + 1, timeout=WAIT * 3)
    expect(page.get_by_role("tab", name=re.compile("Queue"))).to_be_visible()
    page.get_by_label("Channel", exact=True).select_option("vk")
    expect(queue_rows(page)).to_have_count(QUEUE // 3)
    for badge in queue_rows(page).locator(".channel-badge").all():
        expect(badge).to_have_attribute("title", "VK")
    page.get_by_label("Order", exact=True).select_option("newest")
    expect(queue_rows(page).first).to_contain_text("Question 62 ")  # the last vk one
    assert params(page)["channel"] == ["vk"] and params(page)["sort"] == ["newest"]
    # The list pane's head keeps its height under the filter bar (the tabs were squeezed once).
    tabs = page.locator(".pane-list .tabs").bounding_box()
    assert tabs and tabs["height"] > 30, tabs
    screenshot(page, "desk-filters")

    page.reload()
    expect(page.get_by_label("Channel", exact=True)).to_have_value("vk", timeout=WAIT)
    expect(queue_rows(page)).to_have_count(QUEUE // 3, timeout=WAIT)
    expect(page.get_by_label("Order", exact=True)).to_have_value("newest")

    page.get_by_label("Window closing").select_option("5")
    expect(page.locator("#list-empty")).to_have_text("No conversation matches these filters.")
    page.get_by_role("button", name="Reset").click()
    expect(queue_rows(page)).to_have_count(QUEUE + 1)
    assert not {"channel", "sort", "closing"} & set(params(page))


def test_my_own_quick_reply_is_offered_and_the_profile_opens_read_only(desk: LiveDesk, page: Page):
    desk.operator("keeper", Role.AGENT)
    sign_in(page, desk, "keeper")
    page.get_by_role("button", name="Quick replies").click()
    dialog = page.get_by_role("dialog", name="Quick replies")
    expect(dialog.get_by_label("Personal: only I see it")).to_be_checked()
    expect(dialog.get_by_label("Personal: only I see it")).to_be_disabled()  # agents: own only
    dialog.get_by_label("Title").fill("Sign-off")
    dialog.get_by_label("Text").fill("Best regards, #FIRST_NAME#'s support team")
    dialog.get_by_role("button", name="Save").click()
    row = dialog.locator("#quick-reply-list li", has_text="Sign-off")
    expect(row).to_be_visible(timeout=WAIT)
    expect(row.locator(".qr-scope")).to_have_text("Mine")
    screenshot(page, "desk-personal-quick-reply")
    dialog.get_by_role("button", name="Close").click()

    page.locator("button.conv", has_text="заказ 4417").first.click()
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned", timeout=WAIT)
    composer = page.locator("#composer-text")
    composer.click()
    composer.press_sequentially("/sign")
    mine = page.locator("#canned-list [role=option]", has_text="Sign-off")
    expect(mine).to_be_visible(timeout=WAIT)
    expect(mine.locator(".canned-source")).to_have_text("My reply")
    screenshot(page, "desk-canned-personal")
    page.keyboard.press("Escape")

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open the full profile").click()
    profile = opened.value
    expect(profile.locator("h1")).to_have_text("Maria Ivanova", timeout=WAIT)
    expect(profile.get_by_text("Read-only")).to_be_visible()
    expect(profile.get_by_role("button", name="Save identifiers")).to_have_count(0)
    expect(profile.get_by_text("+79161234567")).to_be_visible()
    screenshot(profile, "contact-profile-read-only")
