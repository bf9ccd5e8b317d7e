"""FromniClient's failure paths against the sandbox's faults (docs/sandbox.md, control API).

What is checked: every failure becomes the right FromniError subclass with a readable str();
an answer carrying the platform's error body is a refusal (whatever the status: the platform
uses 500 for every API error), recognised by its words, and never retried; reads are retried
after outages (transport errors, a 5xx without the platform's error body; counted in
/_sandbox/requests); sends, launches and writes never are, and a send whose outcome is unknown
says so (`maybe_delivered`).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from fromni.client import FromniClient
from fromni.errors import (
    FromniAPIError,
    FromniAuthError,
    FromniBadResponse,
    FromniError,
    FromniRefusal,
    FromniTimeout,
    FromniTransportError,
    FromniValueError,
)
from fromni.methods import METHODS
from fromni.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox

# Short enough to keep the suite fast, long enough that a loaded machine still answers.
FAST_READ_TIMEOUT = 0.3
SLOW_ANSWER_SECONDS = 1.0


def make_client(sandbox: SandboxProcess, **options: Any) -> FromniClient:
    options.setdefault("backoff", 0.01)
    return FromniClient(sandbox.api_url, options.pop("token", sandbox.token), **options)


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[FromniClient]:
    with make_client(sandbox) as fromni:
        yield fromni


def fault(sandbox: SandboxProcess, method: str, mode: str, **options: Any) -> None:
    path = METHODS[method].path if method != "*" else "*"
    sandbox.control("POST", "faults", json={"path": path, "mode": mode, **options})


def requests_for(sandbox: SandboxProcess, method: str) -> list[dict[str, Any]]:
    path = METHODS[method].path
    return [r for r in sandbox.control("GET", "requests")["data"] if r["path"] == path]


def wait_for_requests(sandbox: SandboxProcess, method: str, count: int) -> list[dict[str, Any]]:
    """The sandbox logs a request once it has answered it; a `timeout` fault answers late.
    Waiting also keeps a late answer from landing in the next test's log."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = requests_for(sandbox, method)
        if len(rows) >= count:
            return rows
        time.sleep(0.05)
    raise AssertionError(f"{method}: fewer than {count} requests logged")


def open_dialog(sandbox: SandboxProcess) -> str:
    return sandbox.control("POST", "conversations", json={})["id"]


def operator_messages(sandbox: SandboxProcess, conversation_id: str) -> list[dict[str, Any]]:
    return sandbox.control("GET", f"conversations/{conversation_id}/messages")["data"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the hierarchy --------------------------------------------------------------------------


def test_hierarchy() -> None:
    assert issubclass(FromniAPIError, FromniError)
    assert issubclass(FromniRefusal, FromniAPIError)
    assert issubclass(FromniAuthError, FromniRefusal)
    assert issubclass(FromniTimeout, FromniTransportError)
    assert issubclass(FromniTransportError, FromniError)
    assert issubclass(FromniBadResponse, FromniError)
    # Input errors are also ValueErrors, so generic form handling can catch them.
    assert issubclass(FromniValueError, FromniError) and issubclass(FromniValueError, ValueError)


# --- HTTP 500: a refusal or an outage ---------------------------------------------------------


def test_500_with_the_platforms_error_body_is_a_refusal(
    client: FromniClient, sandbox: SandboxProcess
) -> None:
    conversation_id = open_dialog(sandbox)
    fault(sandbox, "conversations_send", "error500")

    with pytest.raises(FromniRefusal) as caught:
        client.conversations_send(conversation_id, "Hello")

    error = caught.value
    assert (error.method, error.status, error.retryable) == ("conversations_send", 500, False)
    assert error.message == "Internal server error (injected fault)"
    assert error.reason is None  # words the desk does not know
    assert str(error) == (
        "Fromni conversations_send was refused with HTTP 500: "
        "Internal server error (injected fault)."
    )
    assert len(requests_for(sandbox, "conversations_send")) == 1
    assert operator_messages(sandbox, conversation_id) == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_without_the_platforms_error_body_is_an_outage(
    client: FromniClient, sandbox: SandboxProcess, status: int
) -> None:
    conversation_id = open_dialog(sandbox)
    fault(sandbox, "conversations_send", "outage", status=status)

    with pytest.raises(FromniAPIError) as caught:
        client.conversations_send(conversation_id, "Hello")

    error = caught.value
    assert type(error) is FromniAPIError
    assert (error.status, error.retryable) == (status, True)
    assert str(error).startswith(f"Fromni conversations_send failed with HTTP {status}: <html>")
    # A send is never repeated, even after a retryable failure.
    assert len(requests_for(sandbox, "conversations_send")) == 1
    assert operator_messages(sandbox, conversation_id) == []


def test_the_platforms_own_refusal(client: FromniClient, sandbox: SandboxProcess) -> None:
    conversation_id = open_dialog(sandbox)
    sandbox.control(
        "POST", f"conversations/{conversation_id}/operator-mode", json={"expiresInSeconds": 0}
    )

    with pytest.raises(FromniRefusal) as caught:
        client.conversations_send(conversation_id, "Too late")

    assert caught.value.message == "Operator mode is not active for this conversation"
    assert caught.value.reason == "operator_mode_inactive"
    assert not caught.value.retryable
    assert "Operator mode is not active for this conversation" in str(caught.value)
    assert len(requests_for(sandbox, "conversations_send")) == 1


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda c, _: c.conversations_send("0" * 24, "Hi"), "conversation_not_found"),
        (lambda c, d: c.call("conversations_send", {"conversationId": d, "message": 5}), None),
        (lambda c, _: c.contacts_get("0" * 24), "not_found"),
        (lambda c, _: c.call("variables_create", {"name": "x", "validateAs": "BLOB"}), None),
    ],
)
def test_the_platforms_refusals_are_recognised_by_their_words(
    client: FromniClient,
    sandbox: SandboxProcess,
    call: Callable[[FromniClient, str], Any],
    reason: str | None,
) -> None:
    with pytest.raises(FromniRefusal) as caught:
        call(client, open_dialog(sandbox))

    error = caught.value
    assert error.status == 500 and not error.retryable and error.attempts == 1
    if reason is not None:
        assert error.reason == reason
    else:  # the sandbox's field checks: a refused message or request
        assert error.reason in ("message_refused", "invalid_request"), error.message


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Operator mode is not active for this conversation", "operator_mode_inactive"),
        ("Conversation not found", "conversation_not_found"),
        ("Field 'message.text' is required (or message.attachments)", "message_refused"),
        ("message.text must be a string and message.attachments an array", "message_refused"),
        ("Attachment 1 was refused: file type not allowed", "message_refused"),
        ("Contact not found", "not_found"),
        ("Field 'name' must be a non-empty string", "invalid_request"),
        ("Internal error", None),
        ("Channel is temporarily unavailable", None),
    ],
)
def test_refusal_reasons_by_the_platforms_words(
    client: FromniClient, sandbox: SandboxProcess, message: str, reason: str | None
) -> None:
    fault(sandbox, "conversations_send", "refuse", message=message, count=1)

    with pytest.raises(FromniRefusal) as caught:
        client.conversations_send(open_dialog(sandbox), "Hello")

    assert (caught.value.message, caught.value.reason) == (message, reason)


def test_outage_on_a_read_is_retried_until_it_succeeds(
    client: FromniClient, sandbox: SandboxProcess
) -> None:
    fault(sandbox, "contacts_list", "outage", count=2)

    page = client.contacts_list()

    assert page.total == 4
    assert [r["status"] for r in requests_for(sandbox, "contacts_list")] == [502, 502, 200]


def test_outage_on_a_read_gives_up_after_max_retries(
    client: FromniClient, sandbox: SandboxProcess
) -> None:
    fault(sandbox, "callback_get", "outage")

    with pytest.raises(FromniAPIError) as caught:
        client.callback_get()

    assert caught.value.attempts == 4  # the first try and max_retries=3
    assert "(after 4 attempts)" in str(caught.value)
    assert len(requests_for(sandbox, "callback_get")) == 4


def test_max_retries_zero_disables_retries(sandbox: SandboxProcess) -> None:
    fault(sandbox, "callback_get", "outage")

    with make_client(sandbox, max_retries=0) as client, pytest.raises(FromniAPIError):
        client.callback_get()

    assert len(requests_for(sandbox, "callback_get")) == 1


def test_backoff_never_exceeds_its_bound(client: FromniClient) -> None:
    bound = 30.0
    delays = [client._backoff_delay(attempt) for attempt in range(1, 2000) for _ in range(3)]
    assert max(delays) <= bound
    assert max(delays) > bound * 0.9  # it does reach the bound: the doubling is not lost


def _required_body(method: str) -> Any:
    # The fault spoils the call before the platform looks at the body; the client only checks
    # that required fields are present.
    if METHODS[method].path in ("contacts/create",):
        return [{"phone": "+79990000000"}]
    return {name: "x" for name in METHODS[method].required}


@pytest.mark.parametrize(
    ("mode", "error", "tries"),
    [("outage", FromniAPIError, 3), ("error500", FromniRefusal, 1)],
    ids=["outage", "refusal"],
)
@pytest.mark.parametrize("method", sorted(m.name for m in METHODS.values() if m.retry_safe))
def test_every_read_is_retried_after_an_outage_and_never_after_a_refusal(
    sandbox: SandboxProcess, method: str, mode: str, error: type[FromniError], tries: int
) -> None:
    fault(sandbox, "*", mode)

    with make_client(sandbox, max_retries=2) as client, pytest.raises(error) as caught:
        client.call(method, _required_body(method))

    assert caught.value.retryable is (mode == "outage")
    assert len(requests_for(sandbox, method)) == tries


@pytest.mark.parametrize("method", sorted(m.name for m in METHODS.values() if not m.retry_safe))
@pytest.mark.parametrize("mode", ["outage", "drop"])
def test_no_send_launch_or_write_is_ever_retried(
    client: FromniClient, sandbox: SandboxProcess, method: str, mode: str
) -> None:
    fault(sandbox, "*", mode)

    with pytest.raises((FromniAPIError, FromniTransportError)) as caught:
        client.call(method, _required_body(method))

    assert caught.value.retryable  # retrying could help, but only the caller may decide
    assert caught.value.attempts == 1
    assert len(requests_for(sandbox, method)) == 1


# --- timeouts -------------------------------------------------------------------------------


def test_timeout_on_a_send_may_have_delivered(sandbox: SandboxProcess) -> None:
    conversation_id = open_dialog(sandbox)
    fault(sandbox, "conversations_send", "timeout", count=1, delaySeconds=SLOW_ANSWER_SECONDS)

    with make_client(sandbox, read_timeout=FAST_READ_TIMEOUT) as client:
        started = time.monotonic()
        with pytest.raises(FromniTimeout) as caught:
            client.conversations_send(conversation_id, "Are you there?")
        elapsed = time.monotonic() - started

    error = caught.value
    assert elapsed < SLOW_ANSWER_SECONDS  # the client gave up; it did not wait for the answer
    assert error.maybe_delivered and error.retryable and error.status is None
    assert str(error) == (
        f"Could not get an answer from Fromni conversations_send: no answer within "
        f"{FAST_READ_TIMEOUT:g} s; the request may have reached the platform, so check its "
        "effect before resending."
    )
    # Not retried, and the platform did take it (late): exactly why blind resending is wrong.
    assert len(wait_for_requests(sandbox, "conversations_send", 1)) == 1
    assert [m["text"] for m in operator_messages(sandbox, conversation_id)] == ["Are you there?"]


def test_timeout_on_a_read_is_retried(sandbox: SandboxProcess) -> None:
    fault(sandbox, "channels_connections", "timeout", count=1, delaySeconds=SLOW_ANSWER_SECONDS)

    with make_client(sandbox, read_timeout=FAST_READ_TIMEOUT) as client:
        connections = client.channels_connections()

    assert len(connections) == 10
    assert len(wait_for_requests(sandbox, "channels_connections", 2)) == 2


# --- connections refused and dropped --------------------------------------------------------


def test_refused_connection_did_not_deliver() -> None:
    port = closed_port()
    with FromniClient(f"http://127.0.0.1:{port}/user", "token", backoff=0.01) as client:
        with pytest.raises(FromniTransportError) as caught:
            client.conversations_send("5f3cd834e8aadd00137359aa", "Hello")
        with pytest.raises(FromniTransportError) as caught_read:
            client.contacts_list()

    error = caught.value
    assert type(error) is FromniTransportError
    assert not error.maybe_delivered and error.retryable and error.status is None
    assert str(error) == (
        "Could not get an answer from Fromni conversations_send: could not connect "
        "(Connection refused); the request did not reach the platform."
    )
    assert error.attempts == 1
    # A read is retried: three more attempts, then the same error.
    assert caught_read.value.attempts == 4


def test_dropped_send_may_have_delivered(client: FromniClient, sandbox: SandboxProcess) -> None:
    conversation_id = open_dialog(sandbox)
    # The platform takes the message, then the connection dies before the answer.
    fault(sandbox, "conversations_send", "drop", count=1, after=True)

    with pytest.raises(FromniTransportError) as caught:
        client.conversations_send(conversation_id, "Hello")

    assert caught.value.maybe_delivered
    assert "may have reached the platform" in str(caught.value)
    assert len(requests_for(sandbox, "conversations_send")) == 1
    assert len(operator_messages(sandbox, conversation_id)) == 1


def test_dropped_read_is_retried(client: FromniClient, sandbox: SandboxProcess) -> None:
    fault(sandbox, "variables_list", "drop", count=2)

    assert len(client.variables_list()) == 6
    assert [r["status"] for r in requests_for(sandbox, "variables_list")] == [None, None, 200]


# --- answers the client cannot use ----------------------------------------------------------


def test_body_that_is_not_json(client: FromniClient, sandbox: SandboxProcess) -> None:
    fault(sandbox, "conversations_list", "not_json", count=1)

    with pytest.raises(FromniBadResponse) as caught:
        client.conversations_list()

    error = caught.value
    assert (error.status, error.retryable) == (200, False)
    assert str(error).startswith(
        "Fromni conversations_list returned an answer the client cannot use: the body is not JSON"
    )
    assert "502 Bad Gateway" in str(error)
    assert len(requests_for(sandbox, "conversations_list")) == 1  # not retried


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("conversations_list", lambda c: c.conversations_list()),  # data is not a list
        ("contacts_get", lambda c: c.contacts_get("5f3cd6d49ed4e10013083db0")),  # no contact
        ("channels_connections", lambda c: c.channels_connections()),  # neither form
        ("variables_create", lambda c: c.variables_create("City 2")),  # no id
        ("conversations_send", lambda c: c.conversations_send("x", "Hello")),  # no messageId
    ],
)
def test_body_of_the_wrong_shape(
    client: FromniClient,
    sandbox: SandboxProcess,
    method: str,
    call: Callable[[FromniClient], Any],
) -> None:
    fault(sandbox, method, "bad_shape", count=1)

    with pytest.raises(FromniBadResponse) as caught:
        call(client)

    error = caught.value
    assert (error.method, error.status, error.retryable) == (method, 200, False)
    # pydantic's error is summarized, never leaked (not even as the visible cause).
    assert not isinstance(error.__cause__, ValidationError)
    assert str(error).startswith(f"Fromni {method} returned an answer the client cannot use")


# --- authentication and routing -------------------------------------------------------------


def test_wrong_token(sandbox: SandboxProcess) -> None:
    with (
        make_client(sandbox, token="not-the-token") as client,
        pytest.raises(FromniAuthError) as caught,
    ):
        client.contacts_list()  # a read: still not retried

    error = caught.value
    assert (error.status, error.message, error.retryable) == (401, "Invalid token", False)
    assert error.attempts == 1
    assert str(error) == (
        "Fromni contacts_list was rejected with HTTP 401: Invalid token. "
        "Check the Fromni API token."
    )
    assert [r["status"] for r in requests_for(sandbox, "contacts_list")] == [401]


def test_wrong_base_url_is_a_404(sandbox: SandboxProcess) -> None:
    client = FromniClient(sandbox.base_url + "/nothing-here", sandbox.token)
    with client, pytest.raises(FromniAPIError) as caught:
        client.contacts_list()

    assert caught.value.status == 404 and not caught.value.retryable
    assert caught.value.attempts == 1


# --- bad input, caught before anything is sent ----------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.notifications_send("Hi", ["sms"]),
            "Invalid input for Fromni notifications_send: a phone or a contact_id is required.",
        ),
        (
            lambda c: c.contacts_update("5f3cd6d49ed4e10013083db0", "email", "a@b.c"),
            "Invalid input for Fromni contacts_update: 'email' cannot be updated; use one of "
            "phone, vkId, viberId, fbId, telegramId, instagramId.",
        ),
        (
            lambda c: c.call("conversations_send", {"conversationId": "x"}),
            "Invalid input for Fromni conversations_send: missing required field(s) message.",
        ),
        (
            lambda c: c.campaigns_list(datetime(2021, 1, 21)),
            "Invalid input for Fromni campaigns_list: naive datetime: pass an aware datetime "
            "(e.g. with tzinfo=UTC).",
        ),
        (
            lambda c: c.campaigns_launch("X", ["sms"], [{"phone": "1"}], live_time=72),
            "Invalid input for Fromni campaigns_launch: live_time must be 1..48 hours.",
        ),
        (
            lambda c: c.storage_upload("README"),
            "Invalid input for Fromni storage_upload: the file name 'README' has no extension.",
        ),
        (
            lambda c: c.call("conversations_delete", {}),
            "Invalid input: unknown API method 'conversations_delete'.",
        ),
        (
            lambda c: c.events_send("x", {"n": float("nan")}),
            "Invalid input for Fromni events_send: the body is not valid JSON: "
            "Out of range float values are not JSON compliant",  # newer Pythons add ": nan"
        ),
    ],
)
def test_bad_input_is_refused_before_sending(
    client: FromniClient,
    sandbox: SandboxProcess,
    call: Callable[[FromniClient], Any],
    message: str,
) -> None:
    with pytest.raises(FromniValueError) as caught:
        call(client)

    assert str(caught.value).startswith(message)
    assert not caught.value.retryable and caught.value.attempts == 0
    assert sandbox.control("GET", "requests")["data"] == []


def test_client_repr_hides_the_token(sandbox: SandboxProcess) -> None:
    with make_client(sandbox) as client:
        assert sandbox.token not in repr(client)
