"""Sign-in throttling (django-axes, operators/sign_in.py): wrong passwords lock an account and an
address out for a while, with a clear message; an admin can unlock; the audit log has both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from audit.models import AuditEntry
from tests.support.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

OFFICE, HOME, ELSEWHERE = "10.0.0.7", "192.0.2.10", "198.51.100.3"
LOCKED = "Too many failed sign-ins: this account is locked for"


@pytest.fixture(autouse=True)
def quick_hashing(settings):
    """Guessers' passwords are hashed with a quick hasher; the operators' own (made by the
    fixtures with the default one) still verify."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def sign_in(username: str, password: str, *, address: str = OFFICE, client=None, **extra):
    client = client or Client()
    path = extra.pop("path", "/accounts/login/")
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def text(response) -> str:
    return response.content.decode()


def fail(username: str, times: int, **where) -> list:
    return [sign_in(username, "not-the-password", **where) for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_and_then_the_right_one_fails_too(agent):
    answers = fail("agent", 5)
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert "didn't match" in text(answers[0])
    assert LOCKED in text(answers[-1]) and "15 more minutes" in text(answers[-1])
    right = sign_in("agent", PASSWORD)
    assert right.status_code == 429 and not signed_in(right)
    assert LOCKED in text(right)
    assert "An admin can unlock it sooner." in text(right)


def test_the_lockout_is_said_in_russian_to_a_russian_page(agent):
    fail("agent", 5)
    right = sign_in("agent", PASSWORD, HTTP_ACCEPT_LANGUAGE="ru")
    assert right.status_code == 429
    assert "учётная запись заблокирована ещё на 15 минут" in text(right)


def test_one_accounts_failures_do_not_lock_its_neighbours_at_the_same_address(agent, other_agent):
    fail("agent", 5)
    assert signed_in(sign_in("other", PASSWORD))
    # Nor the same operator signing in from home: that lock was for the office's attempts.
    assert signed_in(sign_in("agent", PASSWORD, address=HOME))


def test_a_success_forgets_the_mistakes_before_it(agent):
    fail("agent", 4)
    assert signed_in(sign_in("agent", PASSWORD))
    assert [a.status_code for a in fail("agent", 4)] == [200] * 4


def test_guessing_one_account_from_many_addresses_locks_it_everywhere(agent):
    for n in range(5):
        fail("agent", 4, address=f"203.0.113.{n}")  # 20 in all, none of them 5 from one place
    right = sign_in("agent", PASSWORD, address=HOME)
    assert right.status_code == 429 and LOCKED in text(right)


def test_an_address_trying_many_accounts_is_paused_past_its_higher_limit(agent, other_agent):
    # 49 failures from the office, none of them 5 for one account: everyone still signs in.
    for n in range(12):
        fail(f"guess{n}", 4)
    fail("guess12", 1)
    assert signed_in(sign_in("other", PASSWORD))
    # The 50th pauses the whole address; other addresses are not affected.
    paused = fail("guess13", 1)[0]
    assert paused.status_code == 429
    assert "Too many failed sign-ins from your network" in text(paused)
    assert sign_in("agent", PASSWORD).status_code == 429
    assert signed_in(sign_in("agent", PASSWORD, address=HOME))


def passes(minutes: float) -> None:
    """Move every recorded failure back in time, as if `minutes` had passed."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_the_lock_ends_after_the_cool_off(agent):
    fail("agent", 5)
    passes(14)
    assert sign_in("agent", PASSWORD).status_code == 429
    assert "1 more minute." in text(sign_in("agent", PASSWORD))
    passes(1.1)
    assert signed_in(sign_in("agent", PASSWORD))


def test_attempts_refused_while_locked_do_not_extend_the_lock(agent):
    fail("agent", 5)
    passes(10)
    fail("agent", 20)  # refused, not counted
    passes(5.1)
    assert signed_in(sign_in("agent", PASSWORD))


def test_the_lockout_is_in_the_audit_log_once_and_an_admin_unlocks_it(agent, admin_user):
    fail("agent", 8)
    locked = AuditEntry.objects.filter(action="sign_in.locked_out")
    assert locked.count() == 1
    entry = locked.get()
    assert entry.actor is None and entry.target == f"user:{agent.pk}"
    assert entry.details["address"] == OFFICE and entry.details["failures"] == 5
    assert entry.details["rule"] == "account from one address"

    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/admin/operators")
    assert "agent from 10.0.0.7" in text(page)
    assert "agent from 10.0.0.7" in text(admin.get(f"/admin/operators/{agent.pk}"))
    answer = admin.post("/admin/operators/lockouts/unlock", {"username": "agent"}, follow=True)
    assert "Unlocked agent" in text(answer)
    assert "agent from 10.0.0.7" not in text(admin.get("/admin/operators"))
    unlock = AuditEntry.objects.get(action="sign_in.unlock")
    assert unlock.actor == admin_user and unlock.target == f"user:{agent.pk}"
    assert signed_in(sign_in("agent", PASSWORD))


def test_an_admin_lifts_an_address_pause(other_agent, admin_user):
    for n in range(10):
        fail(f"guess{n}", 5)
    assert sign_in("other", PASSWORD).status_code == 429
    assert AuditEntry.objects.filter(
        action="sign_in.locked_out", target=f"address:{OFFICE}"
    ).exists()
    admin = Client()
    admin.force_login(admin_user)
    assert OFFICE in text(admin.get("/admin/operators"))
    admin.post("/admin/operators/lockouts/unlock", {"address": OFFICE})
    assert AuditEntry.objects.filter(action="sign_in.unlock", target=f"address:{OFFICE}").exists()
    assert signed_in(sign_in("other", PASSWORD))


def test_unlocking_needs_an_account_or_an_address_and_an_admin(agent, admin_user):
    admin = Client()
    admin.force_login(admin_user)
    answer = admin.post("/admin/operators/lockouts/unlock", {}, follow=True)
    assert "Unlock either an account or an address." in text(answer)
    agent_client = Client()
    agent_client.force_login(agent)
    assert (
        agent_client.post("/admin/operators/lockouts/unlock", {"username": "x"}).status_code == 403
    )
    assert not AuditEntry.objects.filter(action="sign_in.unlock").exists()


def test_djangos_admin_sign_in_is_throttled_too(admin_user):
    fail("admin", 5, path="/django-admin/login/")
    right = sign_in("admin", PASSWORD, path="/django-admin/login/")
    assert right.status_code == 429 and LOCKED in text(right)


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(agent):
    # A client rotating the header itself is still one address.
    for n in range(5):
        sign_in("agent", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_in("agent", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings, agent):
    settings.DESK_TRUSTED_PROXIES = 1
    proxy = "127.0.0.1"
    # What the client wrote before the proxy's own entry is not believed.
    for n in range(5):
        sign_in("agent", "wrong", address=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, {OFFICE}")
    at_office = sign_in("agent", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert at_office.status_code == 429
    # Another client behind the same proxy is another address.
    assert signed_in(
        sign_in("agent", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"{OFFICE}, {HOME}")
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}
