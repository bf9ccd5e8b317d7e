"""Chromium for the browser tests: Debian's /usr/bin/chromium (scripts/install-browser.sh),
driven by pytest-playwright's `context` and `page` fixtures.

The Playwright driver is started per test module, not per session (pytest-playwright's default):
its sync API keeps an asyncio loop marked as running in the main thread while it is up, and
Django refuses database calls from "an async context" — the suite's later modules would fail.
Import the fixtures below into a browser test module to override the plugin's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, expect, sync_playwright

from tests.support.live_desk import PASSWORD, LiveDesk

CHROMIUM = os.environ.get("DESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 860}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make test does).")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright) -> BrowserType:
    return playwright.chromium


@pytest.fixture(scope="module")
def browser(browser_type: BrowserType) -> Iterator[Browser]:
    launched = browser_type.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def browser_context_args() -> dict:
    return {"viewport": VIEWPORT, "locale": "en-US", "color_scheme": "light"}


def sign_in(page: Page, desk: LiveDesk, username: str) -> None:
    """Through the login form, as a person does; then wait for the live connection."""
    page.goto(f"{desk.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=15_000)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path))
    return path
