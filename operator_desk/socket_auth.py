"""Who opened a websocket: the user of its session cookie, decided once as the socket opens, by
Django's own `get_user`, in one database call; the scope keeps only the user's id.

channels' AuthMiddlewareStack (cookie, session and auth middleware) would do the same work but
keep, for as long as the socket lives, a session store, a lazy user, three copies of the scope
and their middleware frames: about a tenth of an idle socket's memory (docs/benchmarks.md,
"3. Idle sockets"). The socket needs none of it after connecting: what may change while it is
open (the role, the account deactivated) is read again from the database (desk/consumers.py).

What is checked is exactly what a page request checks (django.contrib.auth.get_user, the
backends of AUTHENTICATION_BACKENDS): the cookie named SESSION_COOKIE_NAME, a session that the
engine of SESSION_ENGINE knows and has not expired, the backend that signed the user in still
configured, the user still there and allowed to sign in (ModelBackend: active), and the session's
hash of the password still the user's (a password change, or "log out everywhere", ends it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.http.cookie import parse_cookie

from operator_desk.db import database_sync_to_async


class _SocketSession:
    """The session as get_user uses it, for a socket that cannot answer with a cookie.

    A session that no longer verifies is flushed (deleted), as get_user does for a page. One
    that verifies only with a key of SECRET_KEY_FALLBACKS is accepted, as for a page, but not
    moved to a new session key: a page's response would carry the new key in its cookie, a
    socket has no response to carry it, and the browser would be left holding a deleted
    session. The page's next request moves it. Anything else get_user may come to ask of a
    session is missing here, so it fails (and the socket is refused) rather than pass unseen.
    """

    __slots__ = ("store",)

    def __init__(self, store: Any) -> None:
        self.store = store

    def __getitem__(self, key: str) -> Any:
        return self.store[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.store.get(key, default)

    def flush(self) -> None:
        self.store.flush()

    def cycle_key(self) -> None:
        pass  # see the class's doc

    def __setitem__(self, key: str, value: Any) -> None:
        pass  # only after cycle_key, for the new key: nothing is saved for a socket


class _SessionRequest:
    """All of a request that get_user reads."""

    __slots__ = ("session",)

    def __init__(self, session: _SocketSession) -> None:
        self.session = session


def session_cookie(scope: dict[str, Any]) -> str | None:
    """The session cookie's value, read as Django reads a page request's cookies (its cookie
    headers joined as django.core.handlers.asgi does, then django.http.cookie.parse_cookie)."""
    headers = scope.get("headers", ())
    values = [value.decode("latin1") for name, value in headers if name == b"cookie"]
    return parse_cookie(",".join(values)).get(settings.SESSION_COOKIE_NAME) or None


def session_user_id(session_key: str | None) -> int | None:
    """The id of the user signed in with this session key, as a page would find them; None for
    anyone else (no session, an unknown, expired or tampered one, a user who may no longer sign
    in, or whose password changed since)."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(_SessionRequest(_SocketSession(store)))
    return user.pk if user.is_authenticated else None


class SessionAuthentication:
    """ASGI middleware: `scope["user_id"]`, the signed-in user's id or None (see the module's
    doc). Nothing else of the session or the user stays with the socket."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user_id = await database_sync_to_async(session_user_id)(session_cookie(scope))
        return await self.application({**scope, "user_id": user_id}, receive, send)
