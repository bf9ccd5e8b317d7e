"""A running desk (daphne, worker, clock, sandbox) on a database of its own, for end-to-end tests.

It uses the same kind of database as the suite: a fresh SQLite file, or a fresh PostgreSQL
database when DATABASE_URL points at PostgreSQL (dropped afterwards).
"""

from __future__ import annotations

import atexit
import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

import requests

from desk.devstack import DeskStack, fresh_database
from fromni.sandbox.process import SandboxProcess
from operators.roles import Role
from tests.support.live import manage, until
from tests.support.netns import Host

LIVE_ENV = {
    "DEBUG": "1",
    "FROMNI_API_TOKEN": "live-token",
    "FROMNI_CALLBACK_SECRET": "live-secret",
    "DESK_SEND_RETRY_BASE_SECONDS": "0.2",
    "DESK_SEND_RETRY_MAX_SECONDS": "1",
    "DESK_SEND_CHECK_DELAY": "0.5",
    "DESK_SEND_STALE_SECONDS": "3",
    "FROMNI_READ_TIMEOUT": "2",
    "LOG_LEVEL": "WARNING",
}
PASSWORD = "live-pass-123"


class LiveDesk:
    """The stack plus what a test does with it: sign in, call the API, drive the sandbox."""

    def __init__(
        self, stack: DeskStack, database_url: str, env: dict[str, str] | None = None
    ) -> None:
        """`env`: what the test's own manage.py commands run with, beside LIVE_ENV."""
        self.stack = stack
        self.database_url = database_url
        self.env = {**LIVE_ENV, **(env or {}), "DATABASE_URL": database_url}
        self.url = stack.url
        self.sandbox = stack.sandbox

    def operator(self, username: str, role: Role = Role.AGENT) -> None:
        self.operators({username: role})

    def operators(self, people: dict[str, Role]) -> None:
        """Desk users (username -> role), first names from the usernames; in one process, as
        each start of Django costs seconds."""
        calls = "; ".join(
            f"operator_set_up(username={username!r}, password={PASSWORD!r}, "
            f"role=Role({role.value!r}), first_name={username.title()!r})"
            for username, role in people.items()
        )
        result = manage(
            "shell",
            "-c",
            "from operators.services import operator_set_up; from operators.roles import Role; "
            + calls,
            env=self.env,
        )
        assert result.returncode == 0, result.stderr

    def login(self, username: str, url: str | None = None) -> requests.Session:
        base = url or self.url
        session = requests.Session()
        page = session.get(f"{base}/accounts/login/", timeout=5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = session.post(
            f"{base}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=5,
        )
        assert response.ok and "sessionid" in session.cookies, response.text[:500]
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        session.headers["Referer"] = f"{base}/"
        session.base = base  # type: ignore[attr-defined]
        return session

    @staticmethod
    def api(session: requests.Session, method: str, path: str, json: Any = None) -> Any:
        response = session.request(method, f"{session.base}/api/{path}", json=json, timeout=10)
        return response

    def ws_url(self, cursor: int | None = None, url: str | None = None) -> str:
        base = (url or self.url).replace("http://", "ws://")
        return f"{base}/ws/desk/" + ("" if cursor is None else f"?cursor={cursor}")

    @staticmethod
    def ws_headers(session: requests.Session) -> dict[str, str]:
        return {
            "Cookie": f"sessionid={session.cookies['sessionid']}",
            "Origin": session.base,  # type: ignore[attr-defined]
        }


# Migrating takes seconds, for each of the suite's live desks in both passes of `make test`: the
# first desk of a run on the suite's database server is migrated, the others start from a copy
# of it (the migrations depend on nothing else). Dropped when the run ends.
_template: list[str] = []
_kept = contextlib.ExitStack()
atexit.register(_kept.close)


def _migrated(url: str) -> None:
    migrated = manage("migrate", "--noinput", env={**LIVE_ENV, "DATABASE_URL": url})
    assert migrated.returncode == 0, migrated.stderr


def _suite_template() -> str:
    if not _template:
        url = _kept.enter_context(fresh_database())
        _migrated(url)
        _template.append(url)
    return _template[0]


@contextlib.contextmanager
def live_desk(
    env: dict[str, str] | None = None, *, database: str | None = None, **stack_options: Any
) -> Iterator[LiveDesk]:
    """`database`: a URL whose server the desk's database is made on (default: DATABASE_URL's,
    or a SQLite file), e.g. a private PostgreSQL cluster that a fault test restarts."""
    # A server of the test's own (stopped and gone by the end of the run) gets no template.
    template = _suite_template() if database is None else None
    with fresh_database(database, template=template) as database_url:
        if template is None:
            _migrated(database_url)
        env = {**LIVE_ENV, **(env or {}), "DATABASE_URL": database_url}
        stack = DeskStack(env=env, **stack_options)
        with stack:
            try:
                yield LiveDesk(stack, database_url)
            except BaseException:
                # Shown by pytest with the failure: what the desk's processes said.
                print(stack.outputs())
                raise


# Each host's daphne listens on this port of its own address (its namespace's ports are free).
HOST_WEB_PORT = 8000


@contextlib.contextmanager
def live_desk_on_hosts(
    hosts: Sequence[Host],
    *,
    platform_host: str,
    database: str,
    redis_url: str,
    callbacks_to: Host,
    env: dict[str, str] | None = None,
) -> Iterator[list[LiveDesk]]:
    """One desk whose process set runs on each of `hosts` (tests/support/netns.py), sharing
    the database (a fresh one on `database`'s server), Redis and one platform, listening on
    `platform_host`, which sends its callbacks to `callbacks_to`'s web. A LiveDesk per host."""
    with fresh_database(database) as database_url:
        _migrated(database_url)
        sandbox = SandboxProcess(
            host=platform_host,
            token=LIVE_ENV["FROMNI_API_TOKEN"],
            secret=LIVE_ENV["FROMNI_CALLBACK_SECRET"],
            callback_url=f"http://{callbacks_to.address}:{HOST_WEB_PORT}/fromni/callback/",
        )
        env = {
            **LIVE_ENV,
            **(env or {}),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ALLOWED_HOSTS": ",".join(host.address for host in hosts),
        }
        stacks = [
            DeskStack(
                env=env,
                host=host.address,
                ports=(HOST_WEB_PORT,),
                launcher=host.launcher,
                sandbox=sandbox,
            )
            for host in hosts
        ]
        with sandbox, contextlib.ExitStack() as started:
            for stack in stacks:
                started.enter_context(stack)
            try:
                yield [LiveDesk(stack, database_url, {"REDIS_URL": redis_url}) for stack in stacks]
            except BaseException:
                for host, stack in zip(hosts, stacks, strict=True):
                    print(f"===== host {host.name} =====\n{stack.outputs()}")
                raise


def live_signed(body: dict) -> dict:
    """A callback body with the live desk's secret, as the platform signs it."""
    return {**body, "secret": LIVE_ENV["FROMNI_CALLBACK_SECRET"]}


def deliver(url: str, body: dict) -> int:
    """POST one callback to the desk at `url`, as the platform does; the answer's status."""
    return requests.post(f"{url}/fromni/callback/", json=live_signed(body), timeout=30).status_code


def replies(session: requests.Session, desk: LiveDesk, conversation_id: int) -> list[dict]:
    """The conversation's replies as the operator's API shows them, oldest first."""
    detail = desk.api(session, "GET", f"conversations/{conversation_id}").json()
    return [m for m in detail["messages"] if m["kind"] == "outgoing"]


def reply_states(session: requests.Session, desk: LiveDesk, conversation_id: int) -> dict[str, str]:
    """The conversation's replies as the operator sees them: text -> delivery state."""
    return {m["text"]: m["delivery"] for m in replies(session, desk, conversation_id)}


def claimed_conversation(
    desk: LiveDesk, session: requests.Session, **start: Any
) -> tuple[dict, int]:
    """A dialog started on the sandbox (`start`: its options), waited for in the queue and
    claimed by the session's operator: (the sandbox's dialog, the desk's conversation id)."""
    started = desk.sandbox.control("POST", "/_sandbox/conversations", start or {})
    conversation = until(
        lambda: next(
            (
                c
                for c in desk.api(session, "GET", "conversations?state=queued").json()["data"]
                if c["platformId"] == started["id"]
            ),
            None,
        )
    )
    assert desk.api(session, "POST", f"conversations/{conversation['id']}/claim").ok
    return started, conversation["id"]


def start_dialog(desk: LiveDesk, text: str, **fields: Any) -> dict:
    """A user writes `text` on the sandbox and the bot hands the dialog over (its options:
    the control API's `POST /_sandbox/conversations`)."""
    return desk.sandbox.control("POST", "/_sandbox/conversations", {"text": text, **fields})
