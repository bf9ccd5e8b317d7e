"""The agent's workspace at real volume (issue #16), in chromium against a live desk and the
sandbox, with a queue of 60+ dialogs: a page that fits the window, drafts that survive, the
open conversation and tab in the URL, toasts that cover no controls and collapse, keyboard
modes and an undoable close, and one pane at a time on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

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


# --- 5. the address -------------------------------------------------------------------------------


def open_row(page: Page, text: str) -> int:
    row = page.locator("button.conv", has_text=text).first
    row.click()
    expect(page.locator("#thread")).to_be_visible()
    return int(row.get_attribute("data-id"))


def tab(page: Page, name: str):
    return page.get_by_role("tab", name=re.compile(f"^{name}"))


def test_the_open_conversation_and_the_tab_survive_a_reload_back_forward_and_a_link(
    desk: LiveDesk, agent: str, page: Page
):
    start_dialog(desk, "Address test: my parcel is late", channel="telegram")
    start_dialog(desk, "Address test: second question", channel="vk")
    sign_in(page, desk, agent)
    queue_loaded(page)
    first = open_row(page, "Address test: my parcel is late")
    assert page.url.endswith(f"/c/{first}")
    claim(page)
    # Reloaded: the conversation is open again, in the tab where it now is (Mine).
    page.reload()
    expect(page.locator("#thread")).to_be_visible(timeout=WAIT)
    expect(page.locator("#thread")).to_have_attribute("data-conversation-id", str(first))
    expect(tab(page, "Mine")).to_have_attribute("aria-selected", "true")
    current = page.locator(f'button.conv[data-id="{first}"]')
    expect(current).to_have_attribute("aria-current", "true")

    tab(page, "Queue").click()
    assert page.url.endswith(f"/c/{first}")  # Queue is the default tab: left out
    second = open_row(page, "Address test: second question")
    assert page.url.endswith(f"/c/{second}")
    tab(page, "Open").click()
    assert page.url.endswith(f"/c/{second}?tab=open")
    page.go_back()
    expect(tab(page, "Queue")).to_have_attribute("aria-selected", "true")
    page.go_back()
    expect(page.locator("#thread")).to_have_attribute("data-conversation-id", str(first))
    page.go_forward()
    expect(page.locator("#thread")).to_have_attribute("data-conversation-id", str(second))
    expect(tab(page, "Queue")).to_have_attribute("aria-selected", "true")

    # A link shared with a colleague's browser (here the same agent's second window) opens
    # the same conversation in the same tab, and keeps parameters other parts of the page own.
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    linked = other.new_page()
    sign_in(linked, desk, agent)
    # (sort is the filter bar's; q would show the search's results in place of the tabs.)
    linked.goto(f"{desk.url}/c/{first}?tab=open&sort=newest")
    expect(linked.locator("#thread")).to_have_attribute(
        "data-conversation-id", str(first), timeout=WAIT
    )
    expect(tab(linked, "Open")).to_have_attribute("aria-selected", "true")
    assert linked.url.endswith(f"/c/{first}?tab=open&sort=newest")
    expect(linked.locator("#filter-sort")).to_have_value("newest")
    other.close()

    # A dialog whose window ended: a reload keeps it open, in the Closed tab it is in now.
    start_dialog(desk, "Address test: short window", channel="telegram", windowSeconds=12)
    expired = open_row(page, "Address test: short window")
    claim(page)
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "expired", timeout=WAIT)
    page.reload()
    expect(page.locator("#thread")).to_have_attribute(
        "data-conversation-id", str(expired), timeout=WAIT
    )
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "expired")
    expect(tab(page, "Closed")).to_have_attribute("aria-selected", "true")
    expect(page.locator(f'button.conv[data-id="{expired}"]')).to_have_attribute(
        "aria-current", "true"
    )
    screenshot(page, "workspace-reload-on-an-expired-dialog")


# --- 4. drafts ----------------------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def test_a_draft_and_its_upload_survive_switching_a_reload_and_a_reconnect_until_sent(
    desk: LiveDesk, agent: str, page: Page
):
    start_dialog(desk, "Drafts test: first customer", channel="telegram")
    start_dialog(desk, "Drafts test: second customer", channel="telegram")
    sign_in(page, desk, agent)
    queue_loaded(page)
    composer = page.locator("#composer-text")
    first = open_row(page, "Drafts test: first customer")
    claim(page)
    composer.fill("Half-written answer for the first")
    page.locator("#composer-file").set_input_files(
        [{"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}]
    )
    pending = page.locator("#attachments-pending li", has_text="receipt.png")
    expect(pending).to_contain_text("MB", timeout=WAIT)  # uploaded
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    composer.fill("A note for colleagues, not for the customer")
    page.keyboard.press("Escape")

    open_row(page, "Drafts test: second customer")
    claim(page)
    expect(composer).to_have_value("")
    composer.fill("Something for the second")

    tab(page, "Mine").click()  # both are mine now
    open_row(page, "Drafts test: first customer")
    expect(composer).to_have_value("Half-written answer for the first")
    expect(pending).to_be_visible()

    page.reload()
    expect(page.locator("#thread")).to_have_attribute(
        "data-conversation-id", str(first), timeout=WAIT
    )
    expect(composer).to_have_value("Half-written answer for the first")
    expect(pending).to_contain_text("MB")
    screenshot(page, "workspace-draft-after-reload")
    page.keyboard.press("n")
    expect(composer).to_have_value("A note for colleagues, not for the customer")
    page.keyboard.press("Escape")
    expect(composer).to_have_value("Half-written answer for the first")

    desk.stack.restart(f"daphne:{desk.stack.ports[0]}")
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live", timeout=WAIT)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
    expect(composer).to_have_value("Half-written answer for the first")

    composer.focus()
    composer.press("Enter")
    reply = page.locator(".msg-outgoing", has_text="Half-written answer for the first")
    expect(reply.locator("img[alt='receipt.png']")).to_be_visible(timeout=WAIT)
    expect(composer).to_have_value("")
    expect(page.locator("#attachments-pending li")).to_have_count(0)
    page.reload()
    expect(page.locator("#thread")).to_have_attribute(
        "data-conversation-id", str(first), timeout=WAIT
    )
    expect(composer).to_have_value("")  # sent: nothing comes back
    page.keyboard.press("n")
    expect(composer).to_have_value("A note for colleagues, not for the customer")
    page.keyboard.press("Escape")
    open_row(page, "Drafts test: second customer")
    expect(composer).to_have_value("Something for the second")


# --- 7. keyboard ------------------------------------------------------------------------------


def test_r_always_replies_and_a_close_by_keyboard_can_be_undone_before_it_is_sent(
    desk: LiveDesk, agent: str, page: Page
):
    start_dialog(desk, "Keyboard test: please help", channel="telegram")
    sign_in(page, desk, agent)
    queue_loaded(page)
    conversation = open_row(page, "Keyboard test: please help")
    claim(page)
    closes: list[str] = []
    page.on("request", lambda r: closes.append(r.url) if r.url.endswith("/close") else None)
    reply_mode = page.locator('#composer-form input[value="reply"]')
    note_mode = page.locator('#composer-form input[value="note"]')
    composer = page.locator("#composer-text")

    page.locator("#messages").focus()
    page.keyboard.press("n")
    expect(note_mode).to_be_checked()
    expect(composer).to_be_focused()
    chosen = page.locator(".composer-modes label", has=page.locator('input[value="note"]'))
    expect(chosen).to_be_visible()
    page.keyboard.press("Escape")
    expect(reply_mode).to_be_checked()  # Esc leaves the box in reply mode
    page.keyboard.press("n")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(reply_mode).to_be_checked()
    expect(composer).to_be_focused()
    expect(page.get_by_role("textbox", name="Reply to the contact")).to_be_visible()
    composer.fill("This is a reply, not a note")
    composer.press("Enter")
    expect(page.locator(".msg-outgoing", has_text="This is a reply, not a note")).to_be_visible(
        timeout=WAIT
    )
    expect(page.locator(".msg-note", has_text="This is a reply")).to_have_count(0)

    page.locator("#messages").focus()
    page.keyboard.press("e")
    undo = page.locator(".toast-undo")
    expect(undo).to_contain_text("Closing the conversation")
    screenshot(page, "workspace-close-undo")
    undo.get_by_role("button", name="Undo").click()
    page.wait_for_timeout(6500)  # longer than the undo window
    assert closes == []  # an undo means no close request was sent
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned")

    page.locator("#messages").focus()
    page.keyboard.press("e")
    page.wait_for_timeout(1000)
    page.keyboard.press("z")  # undo from the keyboard
    expect(undo).to_have_count(0)
    page.wait_for_timeout(5500)
    assert closes == []

    page.keyboard.press("e")
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "closed", timeout=WAIT)
    assert closes == [f"{desk.url}/api/conversations/{conversation}/close"]


# --- 11. the / list opens after the last keystroke --------------------------------------------


def test_the_canned_list_opens_when_typing_right_after_the_box_lost_focus(
    desk: LiveDesk, agent: str, page: Page
):
    start_dialog(desk, "Canned test: order status", channel="telegram")
    sign_in(page, desk, agent)
    queue_loaded(page)
    open_row(page, "Canned test: order status")
    claim(page)
    composer = page.locator("#composer-text")
    canned = page.locator("#canned")
    composer.press_sequentially("/")
    expect(canned).to_be_visible(timeout=WAIT)  # the responses are loaded (and kept a minute)
    composer.press("Escape")
    composer.fill("")
    for _ in range(5):
        # A click elsewhere, then straight back to typing: the list opens from the kept
        # responses at once, and must still be open once the blur's delayed close has passed.
        tab(page, "Mine").click()
        composer.press_sequentially("/ord")
        page.wait_for_timeout(400)
        expect(canned).to_be_visible()
        composer.press("Escape")
        composer.fill("")


# --- 6. toasts -------------------------------------------------------------------------------


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_toasts_cover_none_of_the_thread_controls(desk: LiveDesk, agent: str, page: Page):
    start_dialog(desk, "Toasts test: my order", channel="telegram")
    sign_in(page, desk, agent)
    queue_loaded(page)
    open_row(page, "Toasts test: my order")
    claim(page)
    for n in range(3):
        start_dialog(desk, f"Toasts test: newcomer {n}", channel="vk")
    page.locator("#messages").focus()
    page.keyboard.press("e")  # the undo toast too
    toasts = page.locator(".toast")
    expect(toasts.first).to_be_visible(timeout=WAIT)
    expect(page.locator(".toast-undo")).to_be_visible()
    screenshot(page, "workspace-toasts")
    controls = page.locator(
        ".thread-actions button:visible, #composer-form button:visible, "
        "#composer-form input:visible, #composer-text, [role=tab], .topbar button:visible, "
        ".topbar select:visible"
    )
    boxes = [c.bounding_box() for c in controls.all()]
    assert len(boxes) >= 8
    for toast in toasts.all():
        box = toast.bounding_box()
        for control in boxes:
            assert not overlaps(box, control), (box, control)
    page.locator(".toast-undo").get_by_role("button", name="Undo").click()


def test_a_burst_of_new_conversations_is_one_toast_that_forgets_those_taken(
    desk: LiveDesk, agent: str, page: Page
):
    colleague = f"worker{next(_names)}"
    desk.operator(colleague, Role.AGENT)
    sign_in(page, desk, agent)
    queue_loaded(page)
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    theirs = other.new_page()
    sign_in(theirs, desk, colleague)
    queue_loaded(theirs)

    for n in range(6):
        start_dialog(desk, f"Burst test: customer {n}", channel="telegram")
    arrivals = page.locator(".toast-arrivals")
    count = arrivals.locator(".toast-text")
    expect(count).to_have_text("6 new conversations waiting", timeout=WAIT)
    expect(page.locator(".toast")).to_have_count(1)  # one toast for the whole burst
    arrivals.hover()  # it stays while the pointer is on it
    screenshot(page, "workspace-toasts-burst")

    # A colleague takes two of them: they are no longer news here.
    open_row(theirs, "Burst test: customer 2")
    claim(theirs)
    expect(count).to_have_text("5 new conversations waiting", timeout=WAIT)
    open_row(theirs, "Burst test: customer 4")
    claim(theirs)
    expect(count).to_have_text("4 new conversations waiting", timeout=WAIT)
    screenshot(page, "workspace-toasts-burst-after-claims")

    # Open goes to the one that has waited longest and is still waiting: the desk's own
    # queuing time says which (the sandbox's callbacks may be applied in any order).
    waiting = desk.api(desk.login(agent), "GET", "conversations?state=queued&limit=200").json()[
        "data"
    ]
    burst = sorted(
        (datetime.fromisoformat(row["queuedAt"]), row["preview"]["text"])
        for row in waiting
        if row["preview"] and row["preview"]["text"].startswith("Burst test")
    )
    assert len(burst) == 4, burst
    longest, later = burst[0][1], burst[1][1]
    arrivals.get_by_role("button", name="Open").click()
    expect(page.locator("#thread-name")).to_be_visible(timeout=WAIT)
    expect(page.locator(".msg", has_text=longest)).to_be_visible(timeout=WAIT)
    expect(arrivals).to_have_count(0)
    # Gone is gone: another of them taken later does not bring the toast back.
    open_row(theirs, later)
    claim(theirs)
    expect(page.locator("button.conv", has_text=later)).to_have_count(0)
    page.wait_for_timeout(500)
    expect(page.locator(".toast")).to_have_count(0)
    other.close()


# --- 8. a narrow screen ----------------------------------------------------------------------

NO_OVERFLOW = """() => {
    const wide = (el) => el && el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1;
    const doc = document.documentElement;
    const clipped = [...document.querySelectorAll(
        '.pane, .tabs, .thread-header, .thread-actions, .composer, .composer-bar, .topbar')]
        .filter((el) => getComputedStyle(el).overflowX !== 'auto' && wide(el))
        .map((el) => el.className);
    return {width: doc.scrollWidth, view: window.innerWidth, clipped};
}"""


def fits_across(page: Page, view: str) -> None:
    """Nothing wider than the window, and nothing cut off inside a pane that does not scroll."""
    found = page.evaluate(NO_OVERFLOW)
    assert found["width"] <= found["view"], (view, found)
    assert found["clipped"] == [], (view, found)


def width(page: Page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["width"]


def name_readable(page: Page, selector: str) -> bool:
    """Room for a name (not squeezed to a sliver), or the whole of a short one ("Olga") shown."""
    whole = page.locator(selector).first.evaluate(
        "e => e.clientWidth > 0 && e.scrollWidth <= e.clientWidth + 1"
    )
    return width(page, selector) > 40 or whole


def list_scroll(page: Page) -> int:
    return page.evaluate("document.querySelector('#conversation-panel').scrollTop")


@pytest.mark.parametrize("size", [(390, 844), (360, 740)], ids=["390", "360"])
def test_a_narrow_screen_shows_one_pane_at_a_time_with_a_way_back(
    desk: LiveDesk, agent: str, page: Page, size: tuple[int, int]
):
    view_width, view_height = size
    # A phone-sized window of its own (the `page` fixture's is a desktop one).
    context = page.context.browser.new_context(
        viewport={"width": view_width, "height": view_height},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    page = context.new_page()
    start_dialog(desk, f"Narrow test: a question from a {view_width} px screen", channel="vk")
    sign_in(page, desk, agent)
    queue_loaded(page)
    name = f"narrow-{view_width}"
    list_pane, thread_pane = page.locator(".pane-list"), page.locator("#thread-pane")
    contact_pane = page.locator("#contact-pane")
    expect(list_pane).to_be_visible()
    expect(thread_pane).to_be_hidden()
    expect(contact_pane).to_be_hidden()
    fits_across(page, "list")
    assert width(page, ".conv-preview") > view_width * 0.6  # a line of text, not a column
    screenshot(page, f"{name}-list")

    # Deep in the queue: the thread takes the whole width, the list steps aside.
    row = page.locator("#conversation-list button.conv").nth(40)
    row.scroll_into_view_if_needed()
    scrolled = list_scroll(page)
    assert scrolled > 1000
    row.tap()
    expect(page.locator("#thread")).to_be_visible(timeout=WAIT)
    expect(list_pane).to_be_hidden()
    assert width(page, "#thread-pane") == view_width
    assert name_readable(page, "#thread-name")  # the contact's name is there to read
    back = page.get_by_role("button", name="Back to the list")
    expect(back).to_be_in_viewport()
    expect(page.locator(".msg").first).to_be_visible(timeout=WAIT)
    assert width(page, ".msg .bubble") > view_width * 0.4
    assert width(page, "#composer-text") > view_width * 0.8
    expect(page.locator("#composer-send")).to_be_in_viewport()
    fits_across(page, "thread")
    screenshot(page, f"{name}-thread")

    # Back, from the keyboard too: the list where it was, the conversation left in focus.
    opened = row.get_attribute("data-id")
    back.focus()
    page.keyboard.press("Enter")
    expect(list_pane).to_be_visible()
    expect(thread_pane).to_be_hidden()
    assert abs(list_scroll(page) - scrolled) <= 1, (list_scroll(page), scrolled)
    expect(page.locator(f'button.conv[data-id="{opened}"]')).to_be_focused()
    assert page.url == f"{desk.url}/"
    fits_across(page, "list again")

    # The contact, and back to the conversation.
    row.tap()
    expect(page.locator("#thread")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Contact", exact=True).tap()
    expect(contact_pane).to_be_visible()
    expect(thread_pane).to_be_hidden()
    expect(page.locator("#contact-body .contact-name")).to_be_visible(timeout=WAIT)
    assert width(page, "#contact-pane") == view_width
    back_to_thread = page.get_by_role("button", name="Back to the conversation")
    expect(back_to_thread).to_be_focused()
    fits_across(page, "contact")
    screenshot(page, f"{name}-contact")
    back_to_thread.tap()
    expect(thread_pane).to_be_visible()
    expect(contact_pane).to_be_hidden()

    # The composer works: claim, reply, the reply shows with its state.
    claim(page)
    page.locator("#composer-text").fill(f"Answer from a {view_width} px screen")
    page.locator("#composer-send").tap()
    reply = page.locator(".msg-outgoing", has_text=f"Answer from a {view_width} px screen")
    expect(reply).to_be_visible(timeout=WAIT)
    fits_across(page, "thread after a reply")
    screenshot(page, f"{name}-replied")

    # The address of a conversation opens it, full width, on a narrow screen too.
    page.goto(f"{desk.url}/c/{opened}")
    expect(page.locator("#thread")).to_have_attribute("data-conversation-id", opened, timeout=WAIT)
    expect(list_pane).to_be_hidden()
    expect(page.get_by_role("button", name="Back to the list")).to_be_visible()
    fits_across(page, "thread by its address")
    page.get_by_role("button", name="Back to the list").tap()
    expect(list_pane).to_be_visible()
    expect(tab(page, "Mine")).to_have_attribute("aria-selected", "true")

    # In Russian, whose words are longer, nothing is cut or pushed out either.
    page.locator("#language-switcher").select_option("ru")
    page.get_by_role("button", name="Change language").tap()
    expect(page.locator("html")).to_have_attribute("lang", "ru", timeout=WAIT)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
    fits_across(page, "list in Russian")
    screenshot(page, f"{name}-list-ru")
    page.goto(f"{desk.url}/c/{opened}")
    expect(page.get_by_role("button", name="Назад к списку")).to_be_visible(timeout=WAIT)
    expect(page.locator(".msg").first).to_be_visible(timeout=WAIT)
    fits_across(page, "thread in Russian")
    screenshot(page, f"{name}-thread-ru")
    page.get_by_role("button", name="Клиент", exact=True).tap()
    expect(page.get_by_role("button", name="Назад к диалогу")).to_be_focused()
    fits_across(page, "contact in Russian")
    context.close()
