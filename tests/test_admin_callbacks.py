"""Callback registration from the admin page: a generated secret the desk keeps only as a digest,
read back from the platform, rotated without refusing the callbacks the platform still retries."""

import hashlib
import json
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from audit.models import AuditEntry
from callbacks.models import CallbackRecord, CallbackSecret
from callbacks.secrets import callback_secrets_cache_clear
from tests.support.admin import fault, page_text, requests_to
from tests.support.fixtures import handover

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


def registered_secret(sandbox) -> str:
    """The secret the desk last sent the platform (read where the desk never shows it)."""
    return requests_to(sandbox, "callback/set")[-1]["body"]["secret"]


def register(admin_client, url: str):
    return admin_client.post("/admin/callback/register", {"callback_url": url})


def accepted(post_callback, secret: str, conversation_id: str) -> bool:
    callback_secrets_cache_clear()  # as a second passing would
    response = post_callback(handover(conversation_id), secret=secret)
    assert response.status_code in (200, 403), response.content
    return response.status_code == 200


def test_registering_sets_the_url_and_a_generated_secret_on_the_platform(
    admin_client, platform, post_callback
):
    response = register(admin_client, "https://desk.example.com/fromni/callback/")
    assert response.status_code == 302
    now_on_platform = platform.control("GET", "/_sandbox/requests")["data"]
    assert [r["path"] for r in now_on_platform] == ["callback/set"]
    secret = registered_secret(platform)
    assert len(secret) >= 40
    settings_page = page_text(admin_client.get("/admin/callback"))
    assert "https://desk.example.com/fromni/callback/" in settings_page
    assert "the desk&#x27;s current secret" in settings_page
    assert secret not in settings_page
    # The desk accepts callbacks signed with it at once.
    assert accepted(post_callback, secret, "after-registration")


def test_the_desk_keeps_only_a_digest_of_the_secret(admin_client, platform):
    register(admin_client, "https://desk.example.com/fromni/callback/")
    secret = registered_secret(platform)
    row = CallbackSecret.objects.get()
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = json.dumps(list(CallbackSecret.objects.values()), default=str) + json.dumps(
        list(AuditEntry.objects.values("details")), default=str
    )
    assert secret not in stored
    entry = AuditEntry.objects.get(action="callback.register")
    assert entry.details["secret"] == row.fingerprint
    assert entry.actor.username == "admin"


def test_rotation_keeps_the_previous_secret_for_the_grace_period_only(
    admin_client, platform, post_callback
):
    register(admin_client, "https://desk.example.com/fromni/callback/")
    first = registered_secret(platform)
    response = admin_client.post("/admin/callback/rotate")
    assert response.status_code == 302
    second = registered_secret(platform)
    assert second != first
    assert requests_to(platform, "callback/set")[-1]["body"]["callbackUrl"] == (
        "https://desk.example.com/fromni/callback/"
    )
    assert accepted(post_callback, second, "with-the-new-one")
    assert accepted(post_callback, first, "with-the-old-one")
    old = CallbackSecret.objects.get(digest=hashlib.sha256(first.encode()).hexdigest())
    assert timedelta(hours=2, minutes=59) < old.expires_at - timezone.now() <= timedelta(hours=3)
    # The grace period passes.
    CallbackSecret.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    assert not accepted(post_callback, first, "too-late")
    assert accepted(post_callback, second, "still-fine")
    assert AuditEntry.objects.filter(action="callback.rotate").count() == 1


def test_the_environment_secret_keeps_working(admin_client, platform, post_callback, settings):
    register(admin_client, "https://desk.example.com/fromni/callback/")
    assert accepted(post_callback, settings.FROMNI_CALLBACK_SECRET, "env")
    assert not accepted(post_callback, "a-guess", "guess")


def test_a_platform_refusal_is_shown_and_changes_nothing(admin_client, platform, post_callback):
    register(admin_client, "https://desk.example.com/fromni/callback/")
    current = registered_secret(platform)
    fault(platform, "callback/set", "error500")
    response = register(admin_client, "https://other.example.com/fromni/callback/")
    assert response.status_code == 502
    assert "Internal server error (injected fault)" in page_text(response)
    assert CallbackSecret.objects.count() == 1
    assert CallbackSecret.objects.get().expires_at is None
    assert accepted(post_callback, current, "still-current")


def test_a_refused_rotation_is_shown(admin_client, platform):
    register(admin_client, "https://desk.example.com/fromni/callback/")
    fault(platform, "callback/set", "error500")
    page = admin_client.post("/admin/callback/rotate", follow=True)
    assert "Internal server error (injected fault)" in page_text(page)
    assert CallbackSecret.objects.count() == 1


def test_an_unanswered_registration_keeps_the_new_secret_acceptable(
    admin_client, platform, post_callback, settings
):
    settings.FROMNI_READ_TIMEOUT = 0.5
    # The platform takes the new settings, but answers too late.
    fault(platform, "callback/set", "timeout", delaySeconds=1.5, count=1)
    page = admin_client.post(
        "/admin/callback/register",
        {"callback_url": "https://desk.example.com/fromni/callback/"},
        follow=True,
    )
    assert "did not answer" in page_text(page)
    pending = CallbackSecret.objects.get()
    assert pending.activated_at is None and pending.expires_at > timezone.now()
    secret = _platform_secret_once_changed(platform)
    assert accepted(post_callback, secret, "taken-late")
    assert AuditEntry.objects.filter(action="callback.register_unconfirmed").exists()


def _platform_secret_once_changed(sandbox, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.post(
            f"{sandbox.api_url}/callback/get",
            json={},
            headers={"Authorization": f"Token {sandbox.token}"},
            timeout=5,
        ).json()
        if answer["secret"] != sandbox.secret or time.monotonic() > deadline:
            return answer["secret"]
        time.sleep(0.1)


def test_rotating_before_any_registration_uses_the_url_the_platform_reports(
    admin_client, platform, callback_receiver
):
    response = admin_client.post("/admin/callback/rotate")
    assert response.status_code == 302
    body = requests_to(platform, "callback/set")[-1]["body"]
    assert body["callbackUrl"] == callback_receiver.url
    assert body["secret"] != platform.secret


def test_the_page_says_when_the_platforms_secret_is_unknown_to_the_desk(admin_client, platform):
    # The sandbox starts with a secret the desk was never given.
    assert "unknown to the desk" in page_text(admin_client.get("/admin/callback"))


def test_the_page_shows_that_the_platform_could_not_be_asked(admin_client, platform):
    fault(platform, "callback/get", "not_json")
    text = page_text(admin_client.get("/admin/callback"))
    assert "The platform could not be asked" in text
    assert "not JSON" in text


def test_an_http_url_is_refused_when_the_desk_redirects_to_https(admin_client, platform, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = admin_client.post(
        "/admin/callback/register",
        {"callback_url": "http://desk.example.com/fromni/callback/"},
        secure=True,
    )
    assert response.status_code == 400
    assert "does not follow" in page_text(response)
    assert requests_to(platform, "callback/set") == []


# --- over HTTP: the platform retrying a callback across a rotation --------------------------------


def _wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def failing_receiver(callback_receiver):
    callback_receiver.fail_next(10_000)
    yield callback_receiver
    callback_receiver.fail_next(0)


def _start_dialog_behind(sandbox, receiver, admin_client, live_server) -> str:
    """A hand-over the platform queued with the desk's first secret and could not deliver yet;
    then the desk's URL is registered with a new secret. Returns the dialog's id."""
    register(admin_client, receiver.url)
    dialog = sandbox.control("POST", "/_sandbox/conversations", json={"text": "help"})
    receiver.wait_for(
        lambda got: any(r.kind == "conversation_operator_requested" for r in got), timeout=10
    )
    register(admin_client, f"{live_server.url}/fromni/callback/")
    return dialog["id"]


def _handover_answers(sandbox, dialog_id: str) -> list[int]:
    """The HTTP statuses the hand-over of a dialog got, delivery after delivery."""
    return [
        c["status"]
        for c in sandbox.control("GET", "/_sandbox/callbacks")["data"]
        if c["kind"] == "conversation_operator_requested"
        and c["body"]["data"]["id"] == dialog_id
        and c["status"] is not None
    ]


def _stored(dialog_id: str) -> bool:
    return any(
        record.body["data"]["id"] == dialog_id
        for record in CallbackRecord.objects.filter(kind="conversation_operator_requested")
    )


@pytest.mark.django_db(transaction=True)
def test_callbacks_queued_before_a_rotation_are_accepted_after_it(
    admin_client, platform, failing_receiver, live_server
):
    behind = _start_dialog_behind(platform, failing_receiver, admin_client, live_server)
    # The retry goes to the desk with the secret it was queued with: accepted and stored.
    assert _wait_until(lambda: 200 in _handover_answers(platform, behind))
    assert _handover_answers(platform, behind)[0] == 500  # the receiver's failure first
    assert 403 not in _handover_answers(platform, behind)
    assert _stored(behind)
    # New callbacks carry the new secret.
    fresh = platform.control("POST", "/_sandbox/conversations", json={"text": "hi"})["id"]
    assert _wait_until(lambda: _handover_answers(platform, fresh) == [200])
    assert _stored(fresh)


@pytest.mark.django_db(transaction=True)
def test_without_a_grace_period_those_callbacks_would_be_refused(
    admin_client, platform, failing_receiver, live_server, settings
):
    settings.FROMNI_CALLBACK_SECRET_GRACE_HOURS = 0
    behind = _start_dialog_behind(platform, failing_receiver, admin_client, live_server)
    assert _wait_until(lambda: 403 in _handover_answers(platform, behind))
    assert not _stored(behind)
