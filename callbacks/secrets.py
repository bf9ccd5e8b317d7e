"""Which callback secrets the desk accepts: the environment's, and those it registered with the
platform (kept as digests, never the secret). Checked for every callback body, on the hot path."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks.models import CallbackSecret


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class _DigestCache:
    """The registered secrets' digests, read at most once per FROMNI_CALLBACK_SECRET_CACHE_SECONDS
    per process: a callback costs a hash and a few comparisons, not a query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0
        self._rows: list[tuple[bytes, datetime | None]] = []

    def rows(self) -> list[tuple[bytes, datetime | None]]:
        now = time.monotonic()
        if now >= self._until:
            with self._lock:
                if now >= self._until:
                    self._rows = [
                        (bytes.fromhex(digest), expires_at)
                        for digest, expires_at in CallbackSecret.objects.filter(
                            Q(expires_at=None) | Q(expires_at__gt=timezone.now())
                        ).values_list("digest", "expires_at")
                    ]
                    self._until = now + settings.FROMNI_CALLBACK_SECRET_CACHE_SECONDS
        return self._rows

    def clear(self) -> None:
        self._until = 0.0


_digests = _DigestCache()


def callback_secrets_cache_clear() -> None:
    """Forget the cached digests (after a registration, so this process sees it at once)."""
    _digests.clear()


def callback_secret_matches(secret: object) -> bool:
    """Whether a callback body's `secret` is one the desk accepts: the environment's
    (FROMNI_CALLBACK_SECRETS) or a registered one within its validity.

    Constant-time: the candidate is hashed once and compared with every accepted digest
    (no early exit), so the answer's timing says nothing about the secrets."""
    if not isinstance(secret, str):
        return False
    candidate = hashlib.sha256(secret.encode()).digest()
    accepted = [hashlib.sha256(s.encode()).digest() for s in settings.FROMNI_CALLBACK_SECRETS]
    now = timezone.now()
    accepted += [digest for digest, until in _digests.rows() if until is None or until > now]
    return any([hmac.compare_digest(candidate, digest) for digest in accepted])


def callback_secret_current() -> CallbackSecret | None:
    return CallbackSecret.objects.filter(activated_at__isnull=False, expires_at=None).first()


def callback_secrets_accepted() -> list[CallbackSecret]:
    """The registered secrets still accepted, newest first."""
    now = timezone.now()
    return list(
        CallbackSecret.objects.filter(Q(expires_at=None) | Q(expires_at__gt=now)).select_related(
            "created_by"
        )
    )


def callback_secret_describe(secret: str | None) -> str:
    """What the desk makes of the secret the platform reports, for the admin."""
    if not secret:
        return _("none: the platform sends no secret, so the desk refuses its callbacks")
    digest = secret_digest(secret)
    if any(hmac.compare_digest(digest, secret_digest(s)) for s in settings.FROMNI_CALLBACK_SECRETS):
        return _("the secret from the desk's environment (FROMNI_CALLBACK_SECRET)")
    row = CallbackSecret.objects.filter(digest=digest).first()
    if row is None:
        return _("unknown to the desk: its callbacks are refused; register again")
    if not row.accepted_at(timezone.now()):
        return _("%(fingerprint)s, expired: its callbacks are refused; register again") % {
            "fingerprint": row.fingerprint
        }
    if row.activated_at is None:
        return _("%(fingerprint)s, unconfirmed: accepted until %(until)s UTC") % {
            "fingerprint": row.fingerprint,
            "until": f"{row.expires_at:%Y-%m-%d %H:%M}",
        }
    if row.expires_at is not None:
        return _("%(fingerprint)s, replaced: accepted until %(until)s UTC") % {
            "fingerprint": row.fingerprint,
            "until": f"{row.expires_at:%Y-%m-%d %H:%M}",
        }
    return _("%(fingerprint)s, the desk's current secret") % {"fingerprint": row.fingerprint}
