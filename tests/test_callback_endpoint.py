"""The callback route as daphne serves it: operator_desk.asgi sends POST /fromni/callback/ to
callbacks.asgi.CallbackEndpoint, ahead of Django's middleware, with group commit.

These talk ASGI to the real application in this process (the database thread is another
thread, hence transaction=True). The Django view's own tests are in test_callbacks.py; the
first test here checks that both paths answer every kind of input alike.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from callbacks import intake, services
from callbacks.asgi import CallbackEndpoint, GroupCommit
from callbacks.models import CallbackDelivery, CallbackRecord
from operator_desk.asgi import application
from tests.support.fixtures import handover, incoming, signed
from tests.support.live import daphne, free_port, wait_until_answers

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/fromni/callback/"


def http_scope(
    method: str = "POST", headers: list[tuple[bytes, bytes]] | None = None, path: str = PATH
) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }


async def asgi_post(
    raw: bytes,
    *,
    method: str = "POST",
    chunks: int = 1,
    content_length: str | None = None,
    path: str = PATH,
) -> tuple[int, dict[bytes, bytes], Any]:
    """One request through operator_desk.asgi.application; the body in `chunks` parts."""
    length = str(len(raw)) if content_length is None else content_length
    headers = [(b"content-type", b"application/json")]
    if length:
        headers.append((b"content-length", length.encode()))
    communicator = ApplicationCommunicator(application, http_scope(method, headers, path))
    size = -(-len(raw) // chunks) if raw else 0
    parts = [raw[i : i + size] for i in range(0, len(raw), size)] if raw else [b""]
    for n, part in enumerate(parts):
        await communicator.send_input(
            {"type": "http.request", "body": part, "more_body": n < len(parts) - 1}
        )
    start = await communicator.receive_output(10)
    body = await communicator.receive_output(10)
    await communicator.wait(10)
    payload = json.loads(body["body"]) if body["body"] else None
    return start["status"], dict(start["headers"]), payload


def encoded(body: Any) -> bytes:
    return json.dumps(body).encode()


def records() -> int:
    return CallbackRecord.objects.count()


BAD_INPUTS = {
    "not json": b"{not json",
    "a list": b"[1, 2]",
    "NaN": b'{"name": "contact_updated", "x": NaN}',
    "no secret": encoded(incoming()),
    "wrong secret": encoded(signed(incoming(), secret="nope")),
    "missing fields": encoded(signed({"name": "conversation_operator_requested", "data": {}})),
    "too large": b" " * (intake.MAX_BODY_BYTES + 1),
}


def secret() -> str:
    return signed({})["secret"]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Bodies that once got a 500 (some before the secret was even looked at): each is answered
# with a 4xx that says what is wrong, whatever the secret.
HOSTILE_INPUTS = {
    "nested 1,000 levels deep": (
        b'{"name": "contact_updated", "data": ' + nested(1000) + b"}",
        400,
    ),
    "nested 1,000 levels deep, signed": (
        b'{"secret": "%s", "name": "contact_updated", "data": %s}'
        % (secret().encode(), nested(1000)),
        400,
    ),
    "nested 100 levels deep, signed": (
        b'{"secret": "%s", "name": "conversation_message_created", "data": {"conversationId": '
        b'"c", "message": {"text": "x", "extra": %s}}}' % (secret().encode(), nested(100)),
        400,
    ),
    "only brackets": (b"[" * 100_000, 400),
    "a lone surrogate as the secret": (encoded({**incoming(), "secret": "\ud800"}), 403),
    "a lone surrogate in the secret": (encoded({**incoming(), "secret": secret() + "\udfff"}), 403),
    "an encoded surrogate (not UTF-8)": (b'{"secret": "\xed\xa0\x80", "name": "x"}', 400),
    "a number no float holds": (
        encoded(signed(incoming())).replace(b'"attachments": []', b'"attachments": [1e400]'),
        400,
    ),
    "a kind of 100 characters": (encoded(signed({"type": "x" * 100, "data": {}})), 400),
}


@pytest.mark.parametrize("name", [*BAD_INPUTS, *HOSTILE_INPUTS])
def test_both_paths_answer_bad_input_alike_and_store_nothing(name):
    raw, expected = BAD_INPUTS.get(name), None
    if raw is None:
        raw, expected = HOSTILE_INPUTS[name]
    django = Client(raise_request_exception=False).post(PATH, raw, content_type="application/json")
    status, headers, payload = asyncio.run(asgi_post(raw, chunks=3))
    assert (status, payload) == (django.status_code, django.json())
    assert status in (400, 403, 413)
    assert expected in (None, status), payload
    assert payload["message"]
    assert headers[b"content-type"] == b"application/json"
    assert records() == 0


def test_the_route_without_its_slash_is_the_same_route_never_a_redirect(settings):
    """A callback URL registered without the slash would otherwise lose every callback: the
    platform counts a 301 as delivered."""
    raw = encoded(signed(handover("conv-noslash")))
    status, _, payload = asyncio.run(asgi_post(raw, path="/fromni/callback"))
    assert (status, payload) == (200, {"ok": True, "outcome": "accepted"})
    for debug in (False, True):
        settings.DEBUG = debug
        answer = Client(raise_request_exception=False).post(
            "/fromni/callback", raw, content_type="application/json"
        )
        assert (answer.status_code, answer.json()) == (200, {"ok": True, "outcome": "duplicate"})
    assert CallbackRecord.objects.get().deliveries == 3
    status, _, _ = asyncio.run(asgi_post(b"", method="GET", path="/fromni/callback"))
    assert status == 405


def test_a_callback_is_stored_once_and_a_redelivery_counts():
    raw = encoded(signed(handover("conv-asgi-1")))
    first = asyncio.run(asgi_post(raw))
    again = asyncio.run(asgi_post(raw, chunks=4))
    assert (first[0], first[2]) == (200, {"ok": True, "outcome": "accepted"})
    assert (again[0], again[2]) == (200, {"ok": True, "outcome": "duplicate"})
    record = CallbackRecord.objects.get()
    assert (record.kind, record.deliveries) == ("conversation_operator_requested", 2)
    assert "secret" not in record.body


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    declared = str(intake.MAX_BODY_BYTES + 1)
    status, _, payload = asyncio.run(asgi_post(b"{}", content_length=declared))
    assert (status, payload["error"]) == (413, "too_large")
    status, _, payload = asyncio.run(asgi_post(b"{}", content_length="12abc"))
    assert (status, payload["error"]) == (413, "too_large")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_is_accepted(method):
    status, headers, payload = asyncio.run(asgi_post(b"", method=method))
    assert (status, headers[b"allow"], payload) == (405, b"POST", None)


def test_other_routes_still_go_through_django():
    async def get_healthz() -> dict[bytes, bytes]:
        scope = http_scope("GET") | {"path": "/healthz", "raw_path": b"/healthz"}
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        await communicator.receive_output(10)
        return {name.lower(): value for name, value in start["headers"]}

    headers = asyncio.run(get_healthz())
    # Set by Django's middleware, which the callback route does without.
    assert (headers[b"x-frame-options"], headers[b"content-language"]) == (b"DENY", b"en")


def test_bodies_arriving_while_a_commit_runs_go_together_in_the_next_with_their_own_answers():
    """The first body is stored alone; the ones that come meanwhile wait and share the next
    commit: valid ones, a re-delivery and refusals, each answered for itself."""
    batches: list[int] = []
    first_may_finish = threading.Event()

    def store(raws: list[bytes], arrivals: list) -> list[intake.Answer]:
        batches.append(len(raws))
        if len(batches) == 1:
            first_may_finish.wait(5)
        return intake.callbacks_intake(raws, arrivals)

    bodies = [
        encoded(signed(handover("conv-group"))),
        *(encoded(signed(incoming("conv-group", text=f"m{n}"))) for n in range(10)),
        encoded(signed(incoming("conv-group", text="m3"))),  # a re-delivery of m3
        b"{not json",
        encoded(signed(incoming("conv-group"), secret="wrong")),
    ]

    async def run() -> list[intake.Answer]:
        group = GroupCommit(store)
        first = asyncio.ensure_future(group.submit(bodies[0]))
        while not batches:  # the first batch is in the database thread now
            await asyncio.sleep(0.01)
        rest = [asyncio.ensure_future(group.submit(raw)) for raw in bodies[1:]]
        await asyncio.sleep(0.05)
        first_may_finish.set()
        return [await first, *await asyncio.gather(*rest)]

    answers = asyncio.run(run())
    assert batches == [1, len(bodies) - 1]
    outcomes = [(status, payload.get("outcome") or payload["error"]) for status, payload in answers]
    assert outcomes == [
        (200, "accepted"),
        *[(200, "accepted")] * 10,
        (200, "duplicate"),
        (400, "not_json"),
        (403, "forbidden"),
    ]
    assert records() == 11


def test_a_batch_stores_its_new_bodies_in_one_statement():
    """On a busy machine each statement waits for PostgreSQL's process to be scheduled: a batch
    of one INSERT per body was what the bodies behind it queued for (bench/callbacks.py)."""
    bodies = [encoded(signed(incoming("conv-one", text=f"m{n}"))) for n in range(5)]
    refused = encoded(signed(incoming("conv-one", text="x"), secret="wrong"))

    with CaptureQueriesContext(connection) as queries:
        answers = intake.callbacks_intake([*bodies[:2], refused, *bodies[2:]])

    outcomes = [(status, payload.get("outcome") or payload["error"]) for status, payload in answers]
    assert outcomes == [*[(200, "accepted")] * 2, (403, "forbidden"), *[(200, "accepted")] * 3]
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT INTO")]
    assert len(inserts) == 1
    assert sorted(r.body["data"]["message"]["text"] for r in CallbackRecord.objects.all()) == [
        "m0",
        "m1",
        "m2",
        "m3",
        "m4",
    ]


def test_the_same_body_twice_in_one_batch_is_stored_once_and_its_copy_kept_as_a_repeat():
    known = encoded(signed(handover("conv-twice")))
    assert intake.callbacks_intake([known]) == [(200, {"ok": True, "outcome": "accepted"})]
    twice = encoded(signed(incoming("conv-twice", text="again")))

    answers = intake.callbacks_intake([twice, twice, known])

    assert [payload["outcome"] for _, payload in answers] == ["accepted", "duplicate", "duplicate"]
    deliveries = dict(CallbackRecord.objects.values_list("kind", "deliveries"))
    assert deliveries == {"conversation_operator_requested": 2, "conversation_message_created": 2}
    assert CallbackDelivery.objects.count() == 2


def test_a_body_that_fails_to_store_costs_only_itself_a_500(monkeypatch):
    real_check = services.callback_check

    def check(callback: Any) -> None:
        if callback.data.message.text == "poison":
            raise RuntimeError("disk on fire")
        real_check(callback)

    monkeypatch.setattr(services, "callback_check", check)
    bodies = [encoded(signed(incoming("conv-x", text=text))) for text in ("a", "poison", "b")]

    answers = intake.callbacks_intake(bodies)
    assert [status for status, _ in answers] == [200, 500, 200]
    assert answers[1][1]["error"] == "server_error"
    assert sorted(r.body["data"]["message"]["text"] for r in CallbackRecord.objects.all()) == [
        "a",
        "b",
    ]


def timing_of(endpoint: CallbackEndpoint, raw: bytes) -> tuple[int, dict[str, float] | None]:
    """The status and the Server-Timing stages (name: ms) of one body through `endpoint`."""

    async def post() -> dict:
        headers = [(b"content-length", str(len(raw)).encode())]
        communicator = ApplicationCommunicator(endpoint, http_scope(headers=headers))
        await communicator.send_input({"type": "http.request", "body": raw})
        start = await communicator.receive_output(10)
        await communicator.receive_output(10)
        return start

    start = asyncio.run(post())
    header = dict(start["headers"]).get(b"server-timing")
    if header is None:
        return start["status"], None
    stages = (metric.strip().split(";dur=") for metric in header.decode().split(","))
    return start["status"], {name: float(value) for name, value in stages}


def test_with_server_timing_on_each_answer_says_where_its_time_went_in_the_desk():
    """bench/callbacks.py reads it to split a slow answer into the desk's stages and the
    machine's: the stages, in order, add up to no more than the total."""
    with override_settings(CALLBACK_SERVER_TIMING=True):
        endpoint = CallbackEndpoint()
    status, stages = timing_of(endpoint, encoded(signed(handover("conv-timed"))))
    assert status == 200
    assert list(stages) == [
        *("queue", "hop", "pool", "sql", "commit", "release", "back", "batch"),
        *("wake", "total"),
    ]
    assert stages["batch"] == 1
    spent = sum(value for name, value in stages.items() if name not in ("batch", "total"))
    assert 0 < spent <= stages["total"]
    assert records() == 1


def test_without_server_timing_the_answer_says_nothing_of_the_desk():
    status, stages = timing_of(CallbackEndpoint(), encoded(signed(handover("conv-untimed"))))
    assert (status, stages) == (200, None)
    assert records() == 1


def test_a_client_that_hangs_up_while_waiting_leaves_the_body_stored():
    raw = encoded(signed(handover("conv-hangup")))

    async def run() -> None:
        group = GroupCommit(intake.callbacks_intake)
        waiting = asyncio.ensure_future(group.submit(raw))
        await asyncio.sleep(0)
        waiting.cancel()  # daphne cancels the request when the client disconnects
        answer = await group.submit(encoded(signed(incoming("conv-hangup"))))
        assert answer[0] == 200

    asyncio.run(run())
    assert records() == 2


# --- daphne stops reading a body over the limit (callbacks/body_limit.py) ----------------------


@pytest.fixture(scope="module")
def real_daphne(tmp_path_factory) -> Iterator[int]:
    """A daphne process serving the desk; these requests never reach its database."""
    port = free_port()
    folder = tmp_path_factory.mktemp("daphne")
    server = daphne(port, {"DATABASE_URL": f"sqlite:///{folder / 'desk.sqlite3'}"})
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/healthz", process=server.process)
        yield port
    finally:
        server.stop()


def http_answer(sock: socket.socket) -> tuple[int, dict]:
    """Read one response (status and JSON body) until the server closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def post_head(path: str, length_header: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
        + length_header
        + b"\r\n\r\n"
    )


@pytest.mark.parametrize("path", [PATH, "/fromni/callback"])
def test_daphne_answers_a_declared_length_over_the_limit_without_reading_the_body(
    real_daphne, path
):
    with socket.create_connection(("127.0.0.1", real_daphne), timeout=5) as sock:
        sock.sendall(post_head(path, b"Content-Length: %d" % (50 * 1024 * 1024)))
        status, payload = http_answer(sock)  # no body sent at all
    assert (status, payload["error"]) == (413, "too_large")


def test_daphne_stops_reading_a_streamed_body_once_it_passes_the_limit(real_daphne):
    """A 50 MB body sent in chunks, without a length: the 413 comes once the limit is passed,
    not after the 50 MB. The sender checks for an early answer between chunks, as careful
    clients do."""
    limit, chunk = intake.MAX_BODY_BYTES, b"x" * 65536
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent, answered = 0, False
    with socket.create_connection(("127.0.0.1", real_daphne), timeout=5) as sock:
        sock.sendall(post_head(PATH, b"Transfer-Encoding: chunked"))
        while sent < 50 * 1024 * 1024 and not answered:
            try:
                sock.sendall(framed)
            except (BrokenPipeError, ConnectionResetError):
                break  # closed: nothing more is read
            sent += len(chunk)
            answered = bool(select.select([sock], [], [], 0.05 if sent > limit else 0)[0])
        status, payload = http_answer(sock)
    assert (status, payload["error"]) == (413, "too_large")
    assert sent < limit + 4 * 1024 * 1024, f"{sent} bytes sent before the answer"


def test_daphne_still_reads_bodies_within_the_limit(real_daphne):
    raw = b"{not json" + b" " * (intake.MAX_BODY_BYTES - 20)
    for framing, body in (
        (b"Content-Length: %d" % len(raw), raw),
        (b"Transfer-Encoding: chunked", b"%x\r\n%s\r\n0\r\n\r\n" % (len(raw), raw)),
    ):
        with socket.create_connection(("127.0.0.1", real_daphne), timeout=10) as sock:
            sock.sendall(post_head(PATH, framing + b"\r\nConnection: close") + body)
            status, payload = http_answer(sock)
        assert (status, payload["error"]) == (400, "not_json")
