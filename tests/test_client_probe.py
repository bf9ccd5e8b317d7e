"""fromni.probe against the sandbox in each reading of the reference, with a path renamed, a wrong
token, an unreachable platform and a refusal: what it reports per path and per ambiguity, and
that it never calls anything but a read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fromni.client import FromniClient
from fromni.methods import METHODS
from fromni.probe import NOT_PROBED, READ_ONLY, ProbeReport, _Prober, probe
from fromni.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox

READ_PATHS = {m.path for m in METHODS.values() if m.retry_safe}
PROBED_PATHS = {METHODS[name].path for name in READ_ONLY}

# Each reading, and the probe's verdict it must produce: {reading key: matches the default}.
READINGS: dict[str, tuple[dict[str, Any], dict[str, bool | None]]] = {
    "as the desk assumes": (
        {},
        {
            "callback_url": True,
            "messages_sends": True,
            "deals_filter": True,
            "contact_filter": True,
            "whatsapp": True,
            "connections_form": True,
            "nulls": None,
            "ids": None,
            "attachments": None,
        },
    ),
    "null for empty": ({"nullEmpty": True}, {"nulls": False}),
    "numeric ids": ({"numericIds": True}, {"ids": False, "messages_sends": True}),
    "a page cap": ({"pageCap": 3}, {"page_cap": False}),
    "limit default 10": ({"defaultLimit": 10}, {"limit": False}),
    "deals filter ignored": ({"dealsFilterIgnored": True}, {"deals_filter": False}),
    "bot history only": ({"messagesWithoutOperatorSends": True}, {"messages_sends": False}),
    "whatsapp": ({"whatsappName": "whatsapp"}, {"whatsapp": False}),
    "connections as a list": ({"connectionsAsList": True}, {"connections_form": False}),
    "contact filter on variables": (
        {"contactFilterVariablesOnly": True},
        {"contact_filter": False},
    ),
    "callback url not reported": ({"callbackGetSecretOnly": True}, {"callback_url": False}),
    "attachments as urls": ({"attachmentsAsUrls": True}, {"attachments": False}),
}


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[FromniClient]:
    with FromniClient(sandbox.api_url, sandbox.token, max_retries=0) as fromni:
        yield fromni


def an_account(sandbox: SandboxProcess, client: FromniClient) -> tuple[str, str]:
    """Enough rows to tell the readings apart; the (dialog, messageId) of an operator's reply."""
    client.contacts_create([{"phone": f"+7903000{n:04d}"} for n in range(20)])
    someone = client.contacts_list(limit=1)[0].id
    status = next(a for a in client.deal_attributes_list() if a.name == "Status")
    client.deals_create("A deal", [{"id": status.id, "value": "New"}], someone)
    client.campaigns_launch("Spring", ["sms"], [{"phone": "+79990000000"}], template_id=2)
    dialog = sandbox.control("POST", "conversations", {"channel": "whatsapp-business"})
    photo = {"type": "image", "url": "http://example.test/p.png", "name": "p.png"}
    sandbox.control("POST", f"conversations/{dialog['id']}/messages", {"attachments": [photo]})
    sent = client.conversations_send(dialog["id"], "Hello")
    return dialog["id"], str(sent.message_id)


def requests_since(sandbox: SandboxProcess, since: int) -> list[dict[str, Any]]:
    return sandbox.control("GET", "requests")["data"][since:]


def verdicts(report: ProbeReport) -> dict[str, bool | None]:
    """{reading key: matches the default}; a key read for several paths is False if any is."""
    found: dict[str, bool | None] = {}
    for reading in report.readings:
        if found.get(reading.key) is not False:
            found[reading.key] = reading.matches_default
    return found


@pytest.mark.parametrize(("variant", "expected"), READINGS.values(), ids=READINGS.keys())
def test_the_probe_tells_each_reading_and_only_reads(sandbox, client, variant, expected):
    reply = an_account(sandbox, client)
    sandbox.control("POST", "variants", variant)
    since = len(sandbox.control("GET", "requests")["data"])

    report = probe(client, known_reply=reply)

    assert {p.path: p.outcome for p in report.paths} == dict.fromkeys(PROBED_PATHS, "answered")
    assert all(p.shape == "" for p in report.paths), [(p.path, p.shape) for p in report.paths]
    seen = verdicts(report)
    assert {key: seen.get(key) for key in expected} == expected, report.lines()
    if not variant:
        assert False not in seen.values(), report.lines()
    # It never changes anything: every request it made was a read, and every read was made.
    paths = [r["path"] for r in requests_since(sandbox, since)]
    assert set(paths) <= READ_PATHS and set(paths) == PROBED_PATHS
    assert len(paths) == sum(p.calls for p in report.paths)


def test_a_renamed_path_is_reported_not_found_and_the_rest_still_answers(sandbox, client):
    sandbox.control("POST", "variants", {"renamedPaths": {"deals/attributes/list": "deals/attrs"}})
    report = probe(client)
    renamed = next(p for p in report.paths if p.path == "deals/attributes/list")
    assert renamed.message == "HTTP 404: Unknown method 'deals/attributes/list'"
    outcomes = {p.path: p.outcome for p in report.paths}
    assert outcomes.pop("deals/attributes/list") == "not found"
    # No campaign and no dialog to read: made-up ids, refused as the notes say.
    assert outcomes.pop("campaigns/get") == outcomes.pop("conversations/messages") == "refused"
    assert set(outcomes.values()) == {"answered"}
    assert not report.ok


def test_a_wrong_token_is_unauthorised_on_every_path(sandbox):
    with FromniClient(sandbox.api_url, "not-the-token", max_retries=0) as wrong:
        report = probe(wrong)
    assert {p.outcome for p in report.paths} == {"unauthorised"}
    assert report.paths[0].message == "Invalid token"


def test_an_unreachable_platform_is_reported_so():
    with FromniClient("http://127.0.0.1:9/user", "t", max_retries=0, connect_timeout=1) as gone:
        report = probe(gone)
    assert {p.outcome for p in report.paths} == {"unreachable"}
    assert all(p.calls == 1 for p in report.paths)


def test_a_refusal_is_shown_in_the_platforms_words_and_html_as_unusable(sandbox, client):
    sandbox.control("POST", "faults", {"path": "variables/list", "mode": "error500"})
    sandbox.control("POST", "faults", {"path": "callback/get", "mode": "not_json"})
    report = probe(client)
    by_path = {p.path: p for p in report.paths}
    assert by_path["variables/list"].outcome == "refused"
    assert by_path["variables/list"].message == "Internal server error (injected fault)"
    assert by_path["callback/get"].outcome == "unusable"
    assert by_path["channels/connections"].outcome == "answered"


def test_an_answer_that_does_not_fit_the_models_is_said_so(sandbox, client):
    sandbox.control("POST", "faults", {"path": "events/list", "mode": "bad_shape", "count": 1})
    report = probe(client)
    events = next(p for p in report.paths if p.path == "events/list")
    assert events.outcome == "answered" and "data" in events.shape
    assert any("events/list" in line for line in report.lines())


def test_the_probe_calls_reads_only_and_every_read_but_one_named_exception():
    assert all(METHODS[name].retry_safe for name in READ_ONLY)
    reads = {name for name, method in METHODS.items() if method.retry_safe}
    assert set(READ_ONLY) | set(NOT_PROBED) == reads and not set(READ_ONLY) & set(NOT_PROBED)
    prober = _Prober(FromniClient("http://127.0.0.1:9/user", "t"))
    for write in (name for name, method in METHODS.items() if not method.retry_safe):
        with pytest.raises(ValueError, match="never calls"):
            prober.ask(write, {})
