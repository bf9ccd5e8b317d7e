"""The edges of a real daphne serving the desk: which pages may open the websocket (scheme, host
and port of the Origin), and what an oversized request gets back (raw sockets: a client library
would refuse to send them)."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from desk.devstack import fresh_database
from tests.support.live import daphne, free_port, manage, wait_until_answers
from tests.support.live_desk import LIVE_ENV, PASSWORD

pytestmark = pytest.mark.live


class Desk:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def session_cookie(self, username: str) -> str:
        session = requests.Session()
        page = session.get(f"{self.url}/accounts/login/", timeout=5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        session.post(
            f"{self.url}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.url}/accounts/login/"},
            timeout=5,
        )
        return f"sessionid={session.cookies['sessionid']}"


@pytest.fixture(scope="module")
def desk():
    """daphne alone, as the Procfile runs it, on a fresh database with one operator."""
    with fresh_database() as database_url:
        env = {**LIVE_ENV, "DATABASE_URL": database_url, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
        assert manage("migrate", "--noinput", env=env).returncode == 0
        created = manage(
            "shell",
            "-c",
            "from operators.services import operator_set_up; from operators.roles import Role; "
            f"operator_set_up(username='anna', password={PASSWORD!r}, role=Role.AGENT)",
            env=env,
        )
        assert created.returncode == 0, created.stderr
        port = free_port()
        server = daphne(port, env)
        try:
            wait_until_answers(f"http://127.0.0.1:{port}/healthz", process=server.process)
            yield Desk(port)
        except BaseException:
            print(server.output())
            raise
        finally:
            server.stop()


# --- the websocket's origin ----------------------------------------------------------------------


async def opens(desk: Desk, *, host: str, origin: str) -> bool:
    headers = {"Cookie": desk.session_cookie("anna"), "Origin": origin}
    try:
        async with connect(f"ws://{host}:{desk.port}/ws/desk/", additional_headers=headers) as ws:
            ready = json.loads(await ws.recv())
            return ready["type"] == "desk.ready"
    except InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False


async def test_a_page_on_another_port_of_the_desks_host_cannot_open_the_socket(desk):
    assert not await opens(desk, host="localhost", origin="http://localhost:9999")
    assert not await opens(desk, host="127.0.0.1", origin="http://127.0.0.1:9999")
    # Nor the right host and port over the other scheme, nor another allowed host.
    assert not await opens(desk, host="127.0.0.1", origin=f"https://127.0.0.1:{desk.port}")
    assert not await opens(desk, host="127.0.0.1", origin=f"http://localhost:{desk.port}")


async def test_the_desks_own_page_opens_it(desk):
    assert await opens(desk, host="127.0.0.1", origin=f"http://127.0.0.1:{desk.port}")
    assert await opens(desk, host="localhost", origin=f"http://localhost:{desk.port}")


# --- oversized requests ------------------------------------------------------------------------


def raw_request(desk: Desk, request: bytes) -> tuple[int, dict, bytes]:
    """Send `request` as it is; the status, headers and body of the answer, read until the
    server closes the connection."""
    with socket.create_connection(("127.0.0.1", desk.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer, "the connection was closed without an answer"
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def get(path: str, extra_headers: bytes = b"") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + b"\r\n"


def test_a_url_over_16_kb_is_a_414_with_the_json_error(desk):
    status, headers, body = raw_request(desk, get(b"/api/conversations?q=" + b"a" * 17000))
    assert status == 414
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "error": "uri_too_long",
        "message": "The URL is longer than the desk accepts (16 kB).",
    }


def test_a_url_just_under_the_limit_reaches_the_desk(desk):
    status, headers, body = raw_request(
        desk, get(b"/api/conversations?q=" + b"a" * 16000, b"Connection: close\r\n")
    )
    assert status == 401 and json.loads(body)["error"] == "unauthenticated"


def test_headers_over_16_kb_are_a_431_with_the_json_error(desk):
    cookie = b"Cookie: " + b"; ".join(b"c%d=%s" % (n, b"x" * 900) for n in range(20)) + b"\r\n"
    status, _, body = raw_request(desk, get(b"/healthz", cookie))
    assert status == 431
    assert json.loads(body)["error"] == "headers_too_large"


def test_a_request_that_is_not_http_is_a_400_with_the_json_error(desk):
    status, _, body = raw_request(desk, b"HELLO\r\n\r\n")
    assert status == 400
    assert json.loads(body) == {"error": "bad_request", "message": "The request is not valid HTTP."}
