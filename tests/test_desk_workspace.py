"""The agent's workspace at real volume (issue #16), in chromium against a live desk and the
sandbox, with a queue of 60+ dialogs: a page that fits the window, drafts that survive, the
open conversation and tab in the URL, toasts that cover no controls and collapse, keyboard
modes and an undoable close, and one pane at a time on a phone."""

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
from tests.support.live_desk import LiveDesk, live_desk

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000  # ms: generous for a 2-core machine shared with other test runs
QUEUE = 62
CHANNELS = ("telegram", "whatsapp-business", "vk", "webchat", "viber")


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    with live_desk(status_delays=(1, 2), time_scale=10) as running:
        for n in range(QUEUE):
            start_dialog(
                running,
                f"Queue dialog {n:02d}: where is order {1000 + n}?",
                channel=CHANNELS[n % len(CHANNELS)],
            )
        yield running


_names = iter(range(1, 1000))


@pytest.fixture
def agent(desk: LiveDesk) -> str:
    username = f"worker{next(_names)}"
    desk.operator(username, Role.AGENT)
    return username


def start_dialog(desk: LiveDesk, text: str, **fields) -> dict:
    return desk.sandbox.control("POST", "/_sandbox/conversations", {"text": text, **fields})


def queue_loaded(page: Page) -> None:
    rows = page.locator("#conversation-list button.conv")
    expect(rows.nth(QUEUE - 1)).to_be_attached(timeout=WAIT)


def claim(page: Page) -> None:
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned", timeout=WAIT)


def metrics(page: Page) -> dict:
    return page.evaluate(
        """() => ({
            docHeight: document.documentElement.scrollHeight,
            docWidth: document.documentElement.scrollWidth,
            viewHeight: window.innerHeight,
            viewWidth: window.innerWidth,
        })"""
    )


# --- 1. the page fits the window -------------------------------------------------------------


def test_the_page_fits_the_window_and_only_the_list_scrolls(desk: LiveDesk, agent: str, page: Page):
    sign_in(page, desk, agent)
    queue_loaded(page)
    page.locator("button.conv").first.click()
    expect(page.locator("#thread")).to_be_visible()
    size = metrics(page)
    assert size["docHeight"] == size["viewHeight"], size
    list_pane = page.locator(".pane-list")
    scrolls = page.evaluate(
        "() => { const l = document.querySelector('#conversation-panel');"
        " return [l.scrollHeight, l.clientHeight]; }"
    )
    assert scrolls[0] > scrolls[1], scrolls  # the list has more than fits: it scrolls itself
    # The wheel over the list scrolls the list, never the page: the tabs stay in view.
    list_pane.hover()
    for _ in range(40):
        page.mouse.wheel(0, 600)
    page.wait_for_function(
        "() => { const l = document.querySelector('#conversation-panel');"
        " return l.scrollTop + l.clientHeight >= l.scrollHeight - 2; }",
        timeout=WAIT,
    )
    assert page.evaluate("window.scrollY") == 0
    last = page.locator("#conversation-list button.conv").last
    expect(last).to_be_in_viewport()
    expect(page.get_by_role("tab", name=re.compile("Queue"))).to_be_in_viewport()
    expect(page.locator("#composer-text")).to_be_in_viewport()
    screenshot(page, "workspace-long-queue-scrolled")
    last.click()
    expect(page.locator("#thread")).to_be_visible()

    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
    queue_loaded(page)
    expect(page.get_by_role("tab", name=re.compile("Queue"))).to_be_in_viewport()
    size = metrics(page)
    assert size["docHeight"] == size["viewHeight"], size
    screenshot(page, "workspace-long-queue-reloaded")
