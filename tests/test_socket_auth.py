"""Who may open the operators' websocket: the user of the session cookie, checked as a page
request is (operator_desk/socket_auth.py), and an operator (desk/consumers.py, 4403 if not)."""

from __future__ import annotations

from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

from desk import heartbeat
from operator_desk.socket_auth import session_user_id
from tests.support.sockets import IN_PROCESS_SOCKETS, attempt, receive, session_key

pytestmark = IN_PROCESS_SOCKETS


def cookie(key: str, name: str | None = None) -> bytes:
    return f"{name or settings.SESSION_COOKIE_NAME}={key}".encode()


async def refused(header: bytes | None) -> int | None:
    """The close code of a socket opened with this Cookie header, which must be refused."""
    communicator, connected, code = await attempt(header)
    if connected:
        await communicator.disconnect()
    assert not connected
    return code


async def accepted(header: bytes) -> None:
    communicator, connected, code = await attempt(header)
    assert (connected, code) == (True, None)
    assert (await receive(communicator))["type"] == "desk.ready"
    await communicator.disconnect()


async def test_a_signed_in_operator_is_let_in_and_the_socket_keeps_only_their_id(agent):
    communicator, connected, _ = await attempt(
        cookie(await database_sync_to_async(session_key)(agent))
    )
    assert connected
    assert (await receive(communicator))["type"] == "desk.ready"
    (socket,) = heartbeat.watched()
    # No session store, lazy user or cookies kept for the socket's life: its user's id only.
    assert socket.scope["user_id"] == agent.pk
    assert {"session", "user", "cookies"}.isdisjoint(socket.scope)
    await communicator.disconnect()


async def test_an_anonymous_socket_is_refused():
    assert await refused(None) == 4403
    assert await refused(b"csrftoken=abc") == 4403


def _deactivated(user: User) -> str:
    key = session_key(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return key


async def test_a_deactivated_users_session_is_refused(agent):
    key = await database_sync_to_async(_deactivated)(agent)
    assert await refused(cookie(key)) == 4403


def test_the_session_of_a_user_who_may_not_sign_in_is_nobodys(agent):
    # The consumer refuses a deactivated operator too (no role); the session itself must
    # already sign nobody in, as for a page (ModelBackend.user_can_authenticate).
    key = session_key(agent)
    assert session_user_id(key) == agent.pk
    _deactivated(agent)
    assert session_user_id(key) is None


def _password_changed(user: User) -> str:
    key = session_key(user)
    user.set_password("a-new-password-1234")
    user.save()
    return key


async def test_a_session_from_before_a_password_change_is_refused_and_ended(agent):
    key = await database_sync_to_async(_password_changed)(agent)
    assert await refused(cookie(key)) == 4403
    # As get_user does for a page: the session no longer verifies, so it is deleted.
    exists = database_sync_to_async(Session.objects.filter(session_key=key).exists)
    assert await exists() is False


def _signed_out(user: User) -> str:
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.logout()
    return key


async def test_a_signed_out_session_is_refused(agent):
    key = await database_sync_to_async(_signed_out)(agent)
    assert await refused(cookie(key)) == 4403


def _expired(user: User) -> str:
    key = session_key(user)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    return key


async def test_an_expired_session_is_refused(agent):
    key = await database_sync_to_async(_expired)(agent)
    assert await refused(cookie(key)) == 4403


async def test_a_tampered_or_unknown_session_key_is_refused(agent):
    key = await database_sync_to_async(session_key)(agent)
    tampered = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert await refused(cookie(tampered)) == 4403
    assert await refused(cookie("x" * 32)) == 4403
    assert await refused(cookie("")) == 4403
    assert await refused(cookie(key, name="not" + settings.SESSION_COOKIE_NAME)) == 4403


async def test_a_signed_in_user_who_is_not_an_operator_is_refused():
    user = await database_sync_to_async(User.objects.create_user)("visitor", password="x" * 12)
    key = await database_sync_to_async(session_key)(user)
    assert await refused(cookie(key)) == 4403


@override_settings(SESSION_COOKIE_NAME="desk_session")
async def test_the_session_cookie_is_the_one_settings_name(agent):
    key = await database_sync_to_async(session_key)(agent)
    await accepted(cookie(key, name="desk_session"))
    assert await refused(cookie(key, name="sessionid")) == 4403


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
async def test_the_session_engine_is_the_one_settings_name(agent):
    # The whole session in the cookie, signed: a database session key means nothing to it.
    signed = await database_sync_to_async(session_key)(agent)
    await accepted(cookie(signed))
    assert await refused(cookie(signed[:-2] + ("AA" if signed[-2:] != "AA" else "BB"))) == 4403


OLD_KEY = "the-old-secret-key-" + "o" * 40
NEW_KEY = "the-new-secret-key-" + "n" * 40


async def test_a_session_signed_with_a_fallback_secret_key_is_let_in_and_kept(agent):
    # A SECRET_KEY rotation keeps the old one in SECRET_KEY_FALLBACKS: pages still accept its
    # sessions (and move them to a new key on their next response), so must the socket; and
    # the socket, which cannot give the browser a new cookie, must not end or move the session.
    with override_settings(SECRET_KEY=OLD_KEY):
        key = await database_sync_to_async(session_key)(agent)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        await accepted(cookie(key))
        await accepted(cookie(key))
    exists = database_sync_to_async(Session.objects.filter(session_key=key).exists)
    assert await exists() is True
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert await refused(cookie(key)) == 4403
