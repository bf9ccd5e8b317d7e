"""WCAG 2.1 AA, checked by axe-core in a real browser (Debian's chromium) on every page of the
desk, as every role that may open it, against a live desk with a long queue.

The pages come from Django's URL resolver (tests/support/routes.py), so a page mounted tomorrow
is walked too; its path parameters are filled from the seeded data (SAMPLES). Each page is opened
as the agent, the supervisor and the admin: what a role may open is checked as it renders, what
it may not shows the 403 page, which is checked too. A page fails on any violation of impact
serious or critical (named with its rule and the nodes' selectors) and on more minor and
moderate nodes than MINOR_BUDGET. The desk's states that only appear after interaction (a thread,
the dialogs, the `/` picker, the filters, a toast) and keyboard focus are checked on their own.

By default every route is walked in English and the states after interaction in Russian, which
keeps a pass short; `A11Y_LANGUAGES=en,ru` walks everything in both (docs/accessibility.md has
the numbers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import get_resolver
from playwright.sync_api import Browser, BrowserContext, Page, expect

from operators.roles import Role
from tests.support.browser import (  # noqa: F401 (fixtures)
    VIEWPORT,
    browser,
    browser_type,
    playwright,
    screenshot,
)
from tests.support.live import manage, until
from tests.support.live_desk import LIVE_ENV, PASSWORD, LiveDesk, live_desk
from tests.support.routes import url_routes

pytestmark = [pytest.mark.browser, pytest.mark.live]

WAIT = 20_000  # ms: a 2-core machine shared with other test runs

# WCAG 2.0 and 2.1, levels A and AA: what the desk promises (docs/accessibility.md); and axe's
# best practices, which hold the rules for headings, landmarks and empty table headers.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = frozenset({"serious", "critical"})
# Moderate or minor to axe, but a page without them is lost to a screen reader's user: an h1 to
# start from, a main landmark to jump to, a name for every column.
BLOCKING_RULES = frozenset({"page-has-heading-one", "landmark-one-main", "empty-table-header"})
# Minor and moderate nodes a page may have before it fails: a handful, never a growing list.
MINOR_BUDGET = 3

# By default every route is walked in English and the states after interaction are checked in
# Russian, so both languages are seen in a short pass; A11Y_LANGUAGES=en,ru walks everything in
# both (docs/accessibility.md).
_CHOSEN = os.environ.get("A11Y_LANGUAGES")
ROUTE_LANGUAGES = tuple(_CHOSEN.split(",")) if _CHOSEN else ("en",)
STATE_LANGUAGES = tuple(_CHOSEN.split(",")) if _CHOSEN else ("ru",)

# Counts the page's requests in flight, so a page is checked once its data has come (quicker
# than waiting for the network to be quiet for half a second on every page).
TRACK_REQUESTS = """
window.__requests = 0;
const fetchOriginal = window.fetch;
window.fetch = (...args) => {
  window.__requests += 1;
  return fetchOriginal(...args).finally(() => { window.__requests -= 1; });
};
"""

# What is not a page of the desk: JSON, the platform's callbacks, Django's own admin (its own
# templates, "Raw data" for admins), the language and translation endpoints.
NOT_PAGES = ("api/", "django-admin/", "fromni/callback", "healthz", "jsi18n/", "i18n/")

AGENT, SUPERVISOR, ADMIN = "anna", "boss", "root"
ROLES = {AGENT: Role.AGENT, SUPERVISOR: Role.SUPERVISOR, ADMIN: Role.ADMIN}

CHANNELS = ("telegram", "whatsapp-business", "vk", "viber", "webchat", "sms")
QUEUE = 30  # dialogs waiting in the queue, besides those the agent has claimed
CLAIMED = 6


@dataclass
class Seeded:
    """The live desk and the ids the pages' path parameters are filled with."""

    desk: LiveDesk
    samples: dict[str, str] = field(default_factory=dict)


def seed_long_queue(desk: LiveDesk) -> dict[str, str]:
    """A working day's desk: a long queue on several channels, some windows about to close, the
    agent's own conversations with replies, notes and unread messages, closed ones for the
    reports, the contacts mirror, campaigns. Answers the path parameters' sample values."""
    desk.operators({**ROLES, "boris": Role.AGENT})  # boris: someone to transfer to
    env = {**LIVE_ENV, "DATABASE_URL": desk.database_url, "FROMNI_BASE_URL": desk.sandbox.api_url}
    # Before the dialogs, not beside them: on PostgreSQL the backfill's CREATE INDEX CONCURRENTLY
    # deadlocks with the worker's own (contacts/indexes.py), and the command fails.
    synced = manage("fromni_sync", "variables", "contacts", "--no-progress", env=env)
    assert synced.returncode == 0, synced.stderr
    desk.sandbox.control("POST", "/_sandbox/showcase")
    return _dialogs_started_and_worked(desk)


def _dialogs_started_and_worked(desk: LiveDesk) -> dict[str, str]:
    dialogs = []
    for n in range(QUEUE + CLAIMED + 2):
        fields = {"text": f"Question {n}: where is my order {4400 + n}?"}
        fields["channel"] = CHANNELS[n % len(CHANNELS)]
        if n % 5 == 0:
            fields["windowSeconds"] = 240  # urgent timers
        dialogs.append(desk.sandbox.control("POST", "/_sandbox/conversations", fields))
    # Ivan Petrov, a synced contact with variables: his profile has something to show.
    ivan = desk.sandbox.control(
        "POST",
        "/_sandbox/conversations",
        {
            "text": "Hello! I got a red kettle, not a blue one.",
            "channel": "vk",
            "contact": {"vkId": "123456"},
        },
    )
    anna = desk.login(AGENT)
    wanted = {d["id"] for d in dialogs[: CLAIMED + 2]} | {ivan["id"]}
    by_platform: dict[str, dict] = {}

    def queued() -> dict[str, dict]:
        rows = desk.api(anna, "GET", "conversations?state=queued&limit=200").json()["data"]
        by_platform.update({row["platformId"]: row for row in rows})
        return by_platform

    until(lambda: wanted <= set(queued()), timeout=60)
    ivan_id = by_platform[ivan["id"]]["id"]
    mine = [by_platform[d["id"]]["id"] for d in dialogs[: CLAIMED + 2]]
    for conversation_id in [ivan_id, *mine]:
        assert desk.api(anna, "POST", f"conversations/{conversation_id}/claim").ok
    reply = desk.api(
        anna,
        "POST",
        f"conversations/{ivan_id}/replies",
        {"text": "Sorry, Ivan! A blue one ships today."},
    )
    assert reply.status_code in (200, 201), reply.text
    note = desk.api(
        anna, "POST", f"conversations/{ivan_id}/notes", {"text": "Warehouse confirmed the swap."}
    )
    assert note.status_code in (200, 201), note.text
    desk.sandbox.control(
        "POST", f"/_sandbox/conversations/{ivan['id']}/messages", {"text": "Thank you!"}
    )
    for conversation_id in mine[-2:]:  # handled and closed: the Closed tab and the reports
        desk.api(anna, "POST", f"conversations/{conversation_id}/replies", {"text": "Done."})
        assert desk.api(anna, "POST", f"conversations/{conversation_id}/close").ok
    for dialog in dialogs[1:CLAIMED]:  # unread messages in the agent's own conversations
        desk.sandbox.control(
            "POST", f"/_sandbox/conversations/{dialog['id']}/messages", {"text": "Any news?"}
        )
    # A label, made on the admin's page and put on Ivan's conversation: its chips, its page.
    root = desk.login(ADMIN)
    made = root.post(
        f"{desk.url}/admin/labels", data={"name": "Возврат", "colour": "red"}, timeout=10
    )
    assert made.ok, made.status_code
    label_id = desk.api(root, "GET", "labels").json()["data"][0]["id"]
    labelled = desk.api(anna, "POST", f"conversations/{ivan_id}/labels", {"labelId": label_id})
    assert labelled.ok, labelled.text
    detail = desk.api(anna, "GET", f"conversations/{ivan_id}").json()
    operators = desk.api(anna, "GET", "operators").json()["data"]
    return {
        "conversation_id": str(ivan_id),
        "contact_id": str(detail["contact"]["id"]),
        "contacts/platform/<str:platform_id>/ platform_id": detail["contact"]["platformId"],
        "admin/connections/<int:platform_id> platform_id": "3",  # the sandbox's first Telegram
        "template_id": "1",  # the sandbox's first template
        "label_id": str(label_id),
        "user_id": str(next(o["id"] for o in operators if o["username"] == AGENT)),
    }


# --- the pages: every route of the URLconf that answers a GET with HTML ----------------------

PLACEHOLDER = "0"  # a parameter SAMPLES does not know: the page 404s and the walk says so


def page_routes() -> list[str]:
    return [
        route
        for route, _pattern in url_routes(get_resolver().url_patterns)
        if not route.startswith(NOT_PAGES)
    ]


def concrete(route: str, samples: dict[str, str]) -> str:
    """The route with its parameters filled: by `"<route> <name>"` where a name means different
    things on different routes, else by the parameter's name."""

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        return samples.get(f"{route} {name}", samples.get(name, PLACEHOLDER))

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)


@dataclass
class Visit:
    route: str
    path: str
    status: int  # what a GET answers the role, after redirects


def visits(desk: LiveDesk, username: str, samples: dict[str, str]) -> list[Visit]:
    """What each page route answers the role: its pages (HTML), and the routes that are form
    targets (405 to a GET) or downloads (CSV) left out."""
    session = desk.login(username)
    found = []
    for route in page_routes():
        path = concrete(route, samples)
        answer = session.get(f"{desk.url}{path}", timeout=30)
        if answer.status_code == 405:
            continue  # a form's target: its page is the one the form is on
        if answer.ok and "text/html" not in answer.headers.get("content-type", ""):
            continue  # a download
        found.append(Visit(route, path, answer.status_code))
    return found


# --- axe ----------------------------------------------------------------------------------------

AXE = Axe()


@dataclass
class Findings:
    """What axe found on one page: its blocking violations and its minor and moderate nodes."""

    where: str
    blocking: list[str] = field(default_factory=list)
    minor: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        over = len(self.minor) > MINOR_BUDGET
        return self.blocking + (
            [f"{self.where}: {len(self.minor)} minor/moderate nodes (budget {MINOR_BUDGET}):"]
            + [f"    {line}" for line in self.minor]
            if over
            else []
        )


def axe_check(page: Page, where: str) -> Findings:
    results = AXE.run(page, options=AXE_OPTIONS).response
    found = Findings(where)
    for violation in results["violations"]:
        targets = [" >>> ".join(node["target"]) for node in violation["nodes"]]
        if violation["impact"] in BLOCKING or violation["id"] in BLOCKING_RULES:
            shown = ", ".join(targets[:8]) + (
                f" and {len(targets) - 8} more" if len(targets) > 8 else ""
            )
            found.blocking.append(
                f"{where}: {violation['id']} ({violation['impact']}, {len(targets)} nodes): {shown}"
            )
        else:
            found.minor += [f"{violation['id']} ({violation['impact']}): {t}" for t in targets]
    print(f"axe {where}: {len(found.blocking)} blocking rules, {len(found.minor)} minor nodes")
    return found


def use_language(context: BrowserContext, desk: LiveDesk, language: str) -> None:
    """The language the pages are served in: Django's language cookie, as the language form
    sets it."""
    context.add_cookies([{"name": "django_language", "value": language, "url": desk.url}])


def settle(page: Page) -> None:
    """Wait until the page shows its data: the desk's list (and its thread), the live pages'
    connection, the rest's requests."""
    if page.locator("#desk").count():
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
        expect(page.locator("#conversation-list button.conv").first).to_be_visible(timeout=WAIT)
        if re.search(r"/c/\d+$", page.url):
            expect(page.locator("#messages li.msg").first).to_be_visible(timeout=WAIT)
        return
    page.wait_for_function("() => document.readyState === 'complete' && window.__requests === 0")
    if page.locator("#connection").count():
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with live_desk(status_delays=(1, 2), time_scale=10) as running:
        yield Seeded(running, seed_long_queue(running))


@pytest.fixture(scope="module")
def pages(browser: Browser, seeded: Seeded) -> Iterator[dict[str, Page]]:  # noqa: F811
    """One signed-in page per role, reused by every test of the module."""
    opened: dict[str, Page] = {}
    contexts = []
    for username in ROLES:
        context = browser.new_context(viewport=VIEWPORT, locale="en-US", color_scheme="light")
        context.add_init_script(TRACK_REQUESTS)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{seeded.desk.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT)
        opened[username] = page
    yield opened
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def role_visits(seeded: Seeded) -> dict[str, list[Visit]]:
    return {username: visits(seeded.desk, username, seeded.samples) for username in ROLES}


# --- the tests ------------------------------------------------------------------------------


def test_the_admin_opens_every_page_route(role_visits: dict[str, list[Visit]]):
    """The walk covers every page: the admin may open each, so each answers them a page (a new
    route whose parameter has no sample 404s here: add it to the seeded samples)."""
    wrong = [f"{v.path} ({v.route}): {v.status}" for v in role_visits[ADMIN] if v.status != 200]
    assert not wrong, wrong
    walked = {v.route for v in role_visits[ADMIN]}
    assert {"", "c/<int:conversation_id>", "contacts/", "reports/", "admin/connections"} <= walked


@pytest.mark.parametrize("language", ROUTE_LANGUAGES)
@pytest.mark.parametrize("username", list(ROLES))
def test_every_page_passes_axe_for_every_role(
    seeded: Seeded,
    pages: dict[str, Page],
    role_visits: dict[str, list[Visit]],
    username: str,
    language: str,
):
    page = pages[username]
    use_language(page.context, seeded.desk, language)
    problems: list[str] = []
    forbidden_checked = False
    for visit in role_visits[username]:
        if visit.status == 403:
            if forbidden_checked:
                continue  # the same 403 page, but for its sentence
            forbidden_checked = True
        elif visit.status != 200:
            problems.append(f"{username} {visit.path}: answers {visit.status}")
            continue
        page.goto(f"{seeded.desk.url}{visit.path}")
        settle(page)
        expect(page.locator("html")).to_have_attribute("lang", language)
        problems += axe_check(page, f"{username} {language} {visit.path}").problems()
    assert not problems, "\n".join(["", *problems])


@pytest.mark.parametrize("language", STATE_LANGUAGES)
def test_the_desk_after_interaction_passes_axe(
    seeded: Seeded, pages: dict[str, Page], language: str
):
    """What only shows after the agent does something: the thread, the `/` picker, the dialogs,
    the filters set, a toast; each reached by keyboard, as the shortcuts promise."""
    desk, page = seeded.desk, pages[AGENT]
    use_language(page.context, desk, language)
    page.goto(f"{desk.url}/c/{seeded.samples['conversation_id']}")
    settle(page)
    screenshot(page, f"accessibility-desk-long-queue-{language}")  # for review: test-artifacts/
    problems: list[str] = []

    def check(state: str) -> None:
        problems.extend(axe_check(page, f"{AGENT} {language} desk, {state}").problems())

    composer = page.locator("#composer-text")
    composer.focus()
    composer.press_sequentially("/")
    expect(page.locator("#canned-list [role=option]").first).to_be_visible(timeout=WAIT)
    page.keyboard.press("ArrowDown")
    expect(page.locator("#canned-list [role=option][aria-selected=true]")).to_have_count(1)
    expect(composer).to_have_attribute("aria-activedescendant", re.compile(r"^canned-\d+$"))
    check("the / picker")
    page.keyboard.press("Escape")
    expect(page.locator("#canned")).to_be_hidden()
    composer.fill("")
    page.keyboard.press("Escape")  # out of the box: the shortcuts work again

    page.keyboard.press("t")
    expect(page.locator("#transfer-dialog")).to_be_visible()
    check("the transfer dialog")
    page.keyboard.press("Escape")
    expect(page.locator("#transfer-dialog")).to_be_hidden()
    page.locator("#messages").focus()  # the shortcuts work outside the boxes
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    check("the shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("#help-dialog")).to_be_hidden()
    page.locator("#open-quick-replies").click()
    expect(page.locator("#quick-replies-dialog")).to_be_visible()
    check("the quick replies")
    page.keyboard.press("Escape")
    expect(page.locator("#quick-replies-dialog")).to_be_hidden()
    page.locator("#open-alerts").click()
    expect(page.locator("#alerts-dialog")).to_be_visible()
    check("the alerts settings")
    page.keyboard.press("Escape")
    expect(page.locator("#alerts-dialog")).to_be_hidden()

    page.locator("#filter-channel").select_option("vk")
    page.locator("#filter-sort").select_option("waiting")
    expect(page.locator("#filter-reset")).to_be_visible()
    check("filters set")
    page.locator("#filter-reset").click()

    desk.sandbox.control(
        "POST", "/_sandbox/conversations", {"text": f"A new one ({language})", "channel": "vk"}
    )
    expect(page.locator(".toast").first).to_be_visible(timeout=WAIT)
    check("a toast")
    assert not problems, "\n".join(["", *problems])


# --- keyboard: every control reached by Tab shows where the focus is -----------------------------

# The focused element, its focus indicator (the outline) and the colour the outline is drawn on:
# the element's own background when the outline is inset, its parent's when it is outside.
FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const background = (node) => {
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if (!/rgba\\(.*, 0\\)$|transparent/.test(color)) return color;
    }
    return "rgb(255, 255, 255)";
  };
  const inset = parseFloat(style.outlineOffset) < 0;
  const label = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "")
    .trim().replace(/\\s+/g, " ").slice(0, 40);
  window.__stops = window.__stops || new Map();  // element -> the order it was first reached in
  const again = window.__stops.has(el);
  if (!again) window.__stops.set(el, window.__stops.size);
  return {
    again,
    order: window.__stops.get(el),
    what: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${label}"`,
    visible: el.matches(":focus-visible"),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    color: style.outlineColor,
    behind: background(inset ? el : el.parentElement),
  };
}"""

# The controls Tab should have stopped on and did not (FOCUS_PROBE kept those it did): every one
# shown and enabled, but those of a roving group (the list's tabs: the arrows move between them),
# the unchosen radio buttons of a group and those of a closed dialog.
UNREACHED = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]')]
  .filter((el) => !el.disabled && el.tabIndex >= 0 && el.checkVisibility()
    && !el.closest('[inert], dialog:not([open])')
    && !(el.type === 'radio' && !el.checked)
    && !(window.__stops && window.__stops.has(el)))
  .map((el) => el.outerHTML.slice(0, 120))"""


def _rgb(css: str) -> tuple[float, float, float]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])  # type: ignore[return-value]


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two CSS rgb() colours."""

    def luminance(css: str) -> float:
        def channel(value: float) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in _rgb(css))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def tab_through(page: Page, where: str, limit: int = 250) -> list[str]:
    """Press Tab until the focus comes round to a control it has been on; what is wrong with each
    stop's focus indicator (WCAG 2.4.7, and 1.4.11's 3:1 for it), and the controls it missed."""
    problems: list[str] = []
    last = None
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_PROBE)
        if focus is None:
            continue  # out of the page, into the browser's own controls: on round again
        if focus["again"] and focus["order"] == last:
            continue  # the next field of a date input: the same control
        if focus["again"]:
            break
        last = focus["order"]
        shown = focus["visible"] and focus["style"] != "none" and focus["width"] >= 2
        if not shown:
            problems.append(f"{where}: {focus['what']} has no visible focus outline")
        elif (ratio := contrast(focus["color"], focus["behind"])) < 3:
            problems.append(
                f"{where}: {focus['what']}: its outline {focus['color']} on {focus['behind']}"
                f" is {ratio:.1f}:1 (3:1 wanted)"
            )
    else:
        problems.append(f"{where}: the focus never came round in {limit} presses of Tab")
    return problems + [f"{where}: Tab never reaches {html}" for html in page.evaluate(UNREACHED)]


def test_every_control_is_reached_by_keyboard_with_a_visible_focus(
    seeded: Seeded, pages: dict[str, Page]
):
    desk, samples = seeded.desk, seeded.samples
    walks = [
        (AGENT, f"/c/{samples['conversation_id']}"),
        (AGENT, "/reports/"),  # the 403 page
        (AGENT, "/accounts/login/"),
        (ADMIN, "/contacts/"),
        (ADMIN, f"/contacts/{samples['contact_id']}/"),
        (ADMIN, "/reports/"),
        (ADMIN, "/reports/period/"),
        (ADMIN, f"/admin/operators/{samples['user_id']}"),
        (ADMIN, "/admin/connections"),
    ]
    problems: list[str] = []
    for username, path in walks:
        page = pages[username]
        use_language(page.context, desk, "en")
        page.goto(f"{desk.url}{path}")
        settle(page)
        problems += tab_through(page, f"{username} {path}")
    assert not problems, "\n".join(["", *problems])


@pytest.mark.parametrize("language", STATE_LANGUAGES)
def test_the_sign_in_error_and_not_found_pages_pass_axe(
    browser: Browser,  # noqa: F811
    seeded: Seeded,
    pages: dict[str, Page],
    language: str,
):
    desk = seeded.desk
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", color_scheme="light")
    use_language(context, desk, language)
    page = context.new_page()
    page.goto(f"{desk.url}/accounts/login/")
    page.locator("#id_username").fill(AGENT)
    page.locator("#id_password").fill("not the password")
    page.locator("#id_password").press("Enter")
    expect(page.locator(".form-error")).to_be_visible()
    problems = axe_check(page, f"anonymous {language} the sign-in error").problems()
    context.close()
    page = pages[ADMIN]
    use_language(page.context, desk, language)
    answer = page.goto(f"{desk.url}/contacts/999999/")
    assert answer.status == 404
    problems += axe_check(page, f"{ADMIN} {language} the 404 page").problems()
    assert not problems, "\n".join(["", *problems])
