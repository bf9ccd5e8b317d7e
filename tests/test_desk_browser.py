"""The desk page in a real browser (Debian's chromium) against a live desk and the sandbox:
what an operator sees and does all day, and the failures other shared inboxes get wrong
(missed messages after a reconnect, a closed window failing silently, alerts that do not alert,
messenger text that runs as code)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import requests
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

# Watches (does not replace) the browser's Notification and the page's alerts, and tells the
# page the operator is in another window, which is when browser notifications are shown.
OBSERVE_ALERTS = """
window.__notifications = [];
window.__alerts = [];
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = new Proxy(Real, {
    construct(target, args) { window.__notifications.push(args[0]); return new target(...args); },
  });
}
document.hasFocus = () => false;
window.addEventListener("desk:alert", (event) => window.__alerts.push(event.detail));
"""


@pytest.fixture(scope="module")
def desk() -> Iterator[LiveDesk]:
    # time_scale 10: the sandbox re-delivers a failed callback after 1 s instead of 10 s.
    with live_desk(status_delays=(2, 5), time_scale=10) as running:
        yield running


_names = iter(range(1, 1000))


@pytest.fixture
def agent(desk: LiveDesk) -> str:
    """A fresh agent per test, so one test's conversations are not another's."""
    username = f"agent{next(_names)}"
    desk.operator(username, Role.AGENT)
    return username


def user_writes(desk: LiveDesk, dialog: dict, text: str) -> None:
    desk.sandbox.control("POST", f"/_sandbox/conversations/{dialog['id']}/messages", {"text": text})


def open_conversation(page: Page, name_or_text: str) -> None:
    page.locator("button.conv", has_text=name_or_text).first.click()
    expect(page.locator("#thread")).to_be_visible()


def claim(page: Page) -> None:
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned", timeout=WAIT)


def test_a_user_writes_and_the_queued_conversation_appears_with_an_alert(
    desk: LiveDesk, agent: str, page: Page
):
    page.context.grant_permissions(["notifications"], origin=desk.url)
    page.add_init_script(OBSERVE_ALERTS)
    sign_in(page, desk, agent)
    page.get_by_role("tab", name=re.compile("Queue")).click()  # an interaction unlocks sound

    start_dialog(desk, "Where is my parcel?", channel="telegram")

    row = page.locator("button.conv", has_text="Where is my parcel?")
    expect(row).to_be_visible(timeout=WAIT)
    expect(row.locator(".channel-badge")).to_have_attribute("title", "Telegram")
    expect(row.locator(".window-timer")).to_have_text(re.compile(r"left$"))
    expect(page).to_have_title(re.compile(r"^\(\d+\) Operator Desk$"))
    page.wait_for_function(
        "() => window.__alerts.some(a => a.kinds.includes('queued'))", timeout=WAIT
    )
    alert = page.evaluate("window.__alerts.find(a => a.kinds.includes('queued'))")
    assert alert["sound"] is True
    assert alert["notification"] is True
    assert any("New conversation waiting" in t for t in page.evaluate("window.__notifications"))
    expect(page.locator(".toast", has_text="New conversation waiting")).to_be_visible()


def test_claim_reply_and_the_ticks_move_to_read(desk: LiveDesk, agent: str, page: Page):
    sign_in(page, desk, agent)
    dialog = start_dialog(desk, "Can I change my delivery address?", channel="telegram")
    open_conversation(page, "Can I change my delivery address?")
    expect(
        page.locator(".msg-history", has_text="Can I change my delivery address?")
    ).to_be_visible(timeout=WAIT)
    claim(page)
    expect(page.get_by_role("tab", name=re.compile("Mine"))).to_contain_text("1")

    composer = page.get_by_role("textbox", name="Reply to the contact")
    composer.fill("Of course! What is the new address?")
    composer.press("Enter")

    reply = page.locator(".msg-outgoing", has_text="What is the new address?")
    expect(reply).to_be_visible()
    expect(reply).to_have_attribute("data-delivery", "read", timeout=WAIT)
    expect(reply.locator(".status-label")).to_have_text("Read")
    expect(composer).to_have_value("")
    sent = desk.sandbox.control("GET", f"/_sandbox/conversations/{dialog['id']}/messages")["data"]
    assert [m["text"] for m in sent] == ["Of course! What is the new address?"]

    user_writes(desk, dialog, "Lenina 5, flat 12")
    expect(page.locator(".msg-incoming", has_text="Lenina 5, flat 12")).to_be_visible(timeout=WAIT)


def test_an_expired_window_closes_the_composer_and_offers_a_template_notification(
    desk: LiveDesk, agent: str, page: Page
):
    sign_in(page, desk, agent)
    # Maria Ivanova (seed contact: telegram 500100200, First Name "Maria").
    start_dialog(
        desk,
        "Please remind me about my visit",
        channel="telegram",
        contact={"telegramId": "500100200"},
        windowSeconds=12,
    )
    open_conversation(page, "Please remind me about my visit")
    claim(page)
    timer = page.locator("#thread-window")
    expect(timer).to_have_attribute("data-state", "urgent")

    closed = page.locator("#composer-closed")
    expect(closed).to_be_visible(timeout=WAIT)
    expect(closed).to_contain_text("messaging window closed")
    # Free text can no longer go to the contact; notes for colleagues still can.
    expect(page.get_by_role("radio", name="Reply")).to_be_disabled()
    expect(page.get_by_role("textbox", name="Internal note for operators")).to_be_visible()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "expired", timeout=WAIT)
    screenshot(page, "desk-window-closed")

    closed.get_by_role("button", name="Send a template notification").click()
    dialog = page.get_by_role("dialog", name="Reach the contact with a template notification")
    expect(dialog).to_be_visible()
    reminder = dialog.locator("option", has_text="Visit reminder").get_attribute("value")
    dialog.get_by_label("Template").select_option(reminder)
    dialog.get_by_label("#TIME#").fill("15:30")
    expect(dialog.locator("#notify-preview")).to_have_text(
        "Maria, we are expecting you at 15:30 today. Reply YES to confirm."
    )
    screenshot(page, "desk-template-notification")
    dialog.get_by_role("button", name="Send notification").click()
    expect(dialog).to_be_hidden()

    card = page.locator(".msg-notification", has_text="we are expecting you at 15:30")
    expect(card).to_be_visible(timeout=WAIT)
    expect(card).to_have_attribute("data-status", "delivered", timeout=WAIT)
    expect(card).to_contain_text("telegram")
    screenshot(page, "desk-notification-delivered")


def test_a_window_the_platform_ended_early_closes_like_an_expiry_when_a_reply_is_refused(
    desk: LiveDesk, agent: str, page: Page
):
    sign_in(page, desk, agent)
    dialog = start_dialog(desk, "Can you check my refund?", channel="telegram")
    open_conversation(page, "Can you check my refund?")
    claim(page)
    timer = page.locator("#thread-window")
    expect(timer).to_have_text(re.compile(r"left$"))  # the desk counts about 30 minutes
    # The platform ends operator mode on its own, and tells nobody.
    desk.sandbox.control(
        "POST", f"/_sandbox/conversations/{dialog['id']}/operator-mode", {"isActive": False}
    )

    composer = page.get_by_role("textbox", name="Reply to the contact")
    composer.fill("Yes, one moment please")
    composer.press("Enter")

    reply = page.locator(".msg-outgoing", has_text="Yes, one moment please")
    expect(reply).to_have_attribute("data-delivery", "failed", timeout=WAIT)
    expect(reply).to_contain_text("Operator mode is not active for this conversation")
    # Closed exactly as at a normal expiry: the composer, the state, the notification.
    closed = page.locator("#composer-closed")
    expect(closed).to_be_visible(timeout=WAIT)
    expect(closed).to_contain_text("messaging window closed")
    expect(page.get_by_role("radio", name="Reply")).to_be_disabled()
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "expired")
    expect(timer).to_be_hidden()
    screenshot(page, "desk-window-ended-by-the-platform")
    closed.get_by_role("button", name="Send a template notification").click()
    expect(
        page.get_by_role("dialog", name="Reach the contact with a template notification")
    ).to_be_visible()
    sent = desk.sandbox.control("GET", f"/_sandbox/conversations/{dialog['id']}/messages")["data"]
    assert sent == []  # refused once, and never sent again
    refused = [
        r
        for r in desk.sandbox.control("GET", "/_sandbox/requests")["data"]
        if r["path"] == "conversations/send" and r["body"]["conversationId"] == dialog["id"]
    ]
    assert len(refused) == 1


def test_a_socket_dropped_during_a_burst_shows_every_message_once_in_order(
    desk: LiveDesk, agent: str, page: Page
):
    sign_in(page, desk, agent)
    dialog = start_dialog(desk, "Burst incoming", channel="vk")
    open_conversation(page, "Burst incoming")
    claim(page)
    texts = [f"burst message {n:02d}" for n in range(1, 31)]
    sent_half = threading.Event()

    def burst() -> None:
        for n, text in enumerate(texts):
            user_writes(desk, dialog, text)
            if n == 9:
                sent_half.set()

    writer = threading.Thread(target=burst)
    writer.start()
    assert sent_half.wait(20)
    # The server goes away mid-burst: the socket drops, callbacks fail and are re-delivered.
    desk.stack.restart(f"daphne:{desk.stack.ports[0]}")
    writer.join(60)
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live", timeout=WAIT)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)

    incoming = page.locator(".msg-incoming .msg-text")
    expect(incoming).to_have_count(len(texts), timeout=30_000)
    shown = incoming.all_inner_texts()
    assert sorted(shown) == texts  # every one, none twice
    session = desk.login(agent)
    conversation_id = int(page.locator("#thread").get_attribute("data-conversation-id"))
    stored = desk.api(session, "GET", f"conversations/{conversation_id}").json()["messages"]
    assert shown == [m["text"] for m in stored if m["kind"] == "incoming"]  # the desk's order


def test_html_and_script_from_a_messenger_are_shown_as_text_and_run_nothing(
    desk: LiveDesk, agent: str, page: Page
):
    hostile = (
        '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
        '<a href="javascript:window.__pwned=3">click</a> javascript:alert(4) '
        "see https://example.com/help?a=1&b=<b>2</b>"
    )
    sign_in(page, desk, agent)
    response = page.goto(f"{desk.url}/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)

    start_dialog(desk, hostile, channel="telegram")
    open_conversation(page, "window.__pwned=2")
    message = page.locator(".msg", has_text="window.__pwned=2").first
    expect(message.locator(".msg-text")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(message.locator(".msg-text")).to_contain_text("<script>window.__pwned=2</script>")
    assert message.locator("img, script, b").count() == 0
    links = message.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/help?a=1&b=")
    expect(links).to_have_attribute("target", "_blank")
    assert {"noopener", "noreferrer"} <= set(links.get_attribute("rel").split())
    assert page.evaluate("window.__pwned") is None
    row = page.locator("button.conv[aria-current] .conv-preview")
    expect(row).to_contain_text("<script>")


def test_an_agent_cannot_open_the_admin_pages(desk: LiveDesk, agent: str, page: Page):
    sign_in(page, desk, agent)
    for path in ("/admin/", "/django-admin/"):
        response = page.goto(f"{desk.url}{path}")
        redirected_to_login = "login" in page.url and response.status == 200
        assert response.status == 403 or redirected_to_login, (path, response.status, page.url)
        expect(page.locator("#desk")).to_have_count(0)
    # And without the browser's redirects: nothing but a refusal or a redirect.
    session = desk.login(agent)
    for path in ("/admin/", "/django-admin/"):
        answer = session.get(f"{desk.url}{path}", allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 403), (path, answer.status_code)


def test_the_desk_with_live_conversations_looks_right(desk: LiveDesk, agent: str, page: Page):
    """Screenshots for review (test-artifacts/), after a realistic few minutes of work."""
    sign_in(page, desk, agent)
    ivan = start_dialog(
        desk,
        "Hello! I ordered a blue kettle but got a red one.",
        channel="vk",
        contact={"vkId": "123456"},
    )
    start_dialog(desk, "Do you deliver to Kazan?", channel="whatsapp-business", windowSeconds=240)
    start_dialog(desk, "Hi, is the store open on Sunday?", channel="webchat")
    open_conversation(page, "blue kettle")
    claim(page)
    user_writes(desk, ivan, "Here is the photo of what arrived")
    composer = page.get_by_role("textbox", name="Reply to the contact")
    composer.fill("I am sorry about that, Ivan! We will send the blue one today.")
    composer.press("Enter")
    expect(page.locator(".msg-outgoing").last).to_have_attribute(
        "data-delivery", "read", timeout=WAIT
    )
    page.locator('input[name="mode"][value="note"]').check()
    composer = page.locator("#composer-text")
    composer.fill("Warehouse confirmed the swap; courier pickup tomorrow.")
    composer.press("Enter")
    expect(page.locator(".msg-note")).to_be_visible()
    page.get_by_role("tab", name=re.compile("^Open")).click()
    for text in ("I am sorry about that", "Kazan", "open on Sunday"):
        expect(page.locator("button.conv", has_text=text)).to_be_visible(timeout=WAIT)
    screenshot(page, "desk-light")

    page.locator('input[name="mode"][value="reply"]').check()
    composer = page.locator("#composer-text")
    composer.press_sequentially("/ord")
    canned = page.locator("#canned")
    expect(canned).to_be_visible(timeout=WAIT)  # the templates load first
    screenshot(page, "desk-canned-responses")
    page.keyboard.press("Escape")

    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    screenshot(page, "desk-shortcuts")
    page.keyboard.press("Escape")

    page.locator("#language-switcher").select_option("ru")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru", timeout=WAIT)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
    expect(page.get_by_role("tab", name=re.compile("Очередь"))).to_be_visible()
    screenshot(page, "desk-russian")


def test_the_page_is_plain_static_files(desk: LiveDesk):
    """No build step: the modules are served as they are in static/desk/js."""
    answer = requests.get(f"{desk.url}/static/desk/js/main.js", timeout=10)
    assert answer.status_code == 200
    assert "javascript" in answer.headers["content-type"]


def test_files_are_checked_against_the_limit_and_the_channel_before_upload(
    desk: LiveDesk, agent: str, page: Page
):
    sign_in(page, desk, agent)
    start_dialog(desk, "Send me the invoice please", channel="telegram")
    open_conversation(page, "Send me the invoice please")
    claim(page)
    picker = page.locator("#composer-file")
    error = page.locator("#composer-error")
    too_big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"0" * (10 * 2**20 + 1)}
    picker.set_input_files([too_big])
    expect(error).to_contain_text("scan.pdf is 10.0 MB; the platform takes at most 10 MB")
    expect(page.locator("#attachments-pending li")).to_have_count(0)

    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
    )
    picker.set_input_files([{"name": "invoice.png", "mimeType": "image/png", "buffer": png}])
    expect(page.locator("#attachments-pending li", has_text="invoice.png")).to_contain_text("MB")
    composer = page.get_by_role("textbox", name="Reply to the contact")
    composer.fill("Here it is")
    composer.press("Enter")
    reply = page.locator(".msg-outgoing", has_text="Here it is")
    expect(reply.locator("img[alt='invoice.png']")).to_be_visible(timeout=WAIT)
    expect(reply).to_have_attribute(
        "data-delivery", re.compile("sent|delivered|read"), timeout=WAIT
    )

    # SMS takes no attachments at all: said before anything is uploaded.
    start_dialog(desk, "SMS question", channel="sms")
    open_conversation(page, "SMS question")
    claim(page)
    picker.set_input_files([{"name": "photo.png", "mimeType": "image/png", "buffer": png}])
    expect(error).to_contain_text("cannot carry attachments")
    expect(page.locator("#attachments-pending li")).to_have_count(0)


def test_claim_transfer_with_a_note_and_close_from_the_page_and_the_keyboard(
    desk: LiveDesk, agent: str, page: Page
):
    colleague = f"{agent}b"
    desk.operator(colleague, Role.AGENT)
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    their_page = other.new_page()
    sign_in(their_page, desk, colleague)
    sign_in(page, desk, agent)
    start_dialog(desk, "Transfer me to billing", channel="webchat")
    row = page.locator("button.conv", has_text="Transfer me to billing")
    expect(row).to_be_visible(timeout=WAIT)
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#thread")).to_be_visible()
    page.locator("#messages").focus()
    page.keyboard.press("c")  # claim
    expect(page.locator("#thread-state")).to_have_attribute("data-state", "assigned", timeout=WAIT)
    page.keyboard.press("r")
    expect(page.get_by_role("textbox", name="Reply to the contact")).to_be_focused()
    page.keyboard.press("Escape")

    page.keyboard.press("t")
    dialog = page.get_by_role("dialog", name="Transfer the conversation")
    expect(dialog).to_be_visible()
    target = dialog.locator("option", has_text=colleague.title()).get_attribute("value")
    dialog.get_by_label("To operator").select_option(target)
    dialog.get_by_label("Note for the operator (internal)").fill("Billing question, invoice 42")
    dialog.get_by_role("button", name="Transfer").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#thread")).to_be_hidden(timeout=WAIT)  # it is theirs now

    their_page.get_by_role("tab", name=re.compile("Mine")).click()
    theirs = their_page.locator("button.conv", has_text="Transfer me to billing")
    expect(theirs).to_be_visible(timeout=WAIT)
    expect(their_page).to_have_title(re.compile(r"^\(\d+\) "))
    theirs.click()
    expect(their_page.locator(".msg-note", has_text="Billing question, invoice 42")).to_be_visible()
    their_page.get_by_role("button", name="Release").click()
    expect(their_page.locator("#thread-state")).to_have_attribute("data-state", "queued")
    claim(their_page)
    their_page.locator("#messages").focus()
    their_page.keyboard.press("e")  # close, sent after the few seconds it can be undone in
    expect(their_page.locator("#thread-state")).to_have_attribute(
        "data-state", "closed", timeout=WAIT
    )
    their_page.get_by_role("tab", name=re.compile("Closed")).click()
    expect(their_page.locator("button.conv", has_text="Transfer me to billing")).to_be_visible()
    other.close()
