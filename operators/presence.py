"""Operator presence: online, away or offline, kept alive by the desk page's heartbeat.

The page posts its state every few seconds (`POST /api/presence`); the clock turns operators
whose page went quiet for `DESK_PRESENCE_TIMEOUT_SECONDS` offline (a closed laptop sends no
goodbye). Every change is a `desk.operator_presence` event, so colleagues and automatic
assignment see it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from operator_desk.db import locked
from operator_desk.errors import Invalid
from operators.models import OperatorProfile, Presence
from realtime.services import event_emit

# What a page may say about itself; offline is what it says when it signs out or closes.
SETTABLE = (Presence.ONLINE, Presence.AWAY, Presence.OFFLINE)


def presence_data(profile: OperatorProfile) -> dict[str, Any]:
    user = profile.user
    return {
        "id": user.pk,
        "name": user.get_full_name() or user.username,
        "presence": profile.presence,
        "lastSeenAt": profile.last_seen_at.isoformat() if profile.last_seen_at else None,
        "capacity": profile.capacity,
    }


def _locked_profile(user: AbstractBaseUser) -> OperatorProfile:
    OperatorProfile.objects.get_or_create(user=user)
    return locked(OperatorProfile.objects).select_related("user").get(user=user)


def _emit(profile: OperatorProfile) -> None:
    event_emit(type="desk.operator_presence", payload={"operator": presence_data(profile)})


@transaction.atomic
def presence_heartbeat(*, user: User, presence: str) -> OperatorProfile:
    """The operator's page is alive and says it is `presence`. An event only on a change."""
    if presence not in SETTABLE:
        raise Invalid(
            _("%(field)s must be one of %(choices)s.")
            % {"field": "presence", "choices": ", ".join(SETTABLE)}
        )
    profile = _locked_profile(user)
    now = timezone.now()
    changed = profile.presence != presence
    profile.presence = presence
    profile.last_seen_at = now
    profile.save(update_fields=["presence", "last_seen_at"])
    if changed:
        _emit(profile)
    return profile


def presence_expire_stale(*, timeout: timedelta, now: datetime | None = None) -> int:
    """Operators whose page stopped its heartbeat go offline (the clock's duty, twice a
    second: a plain read first, so a pass with nothing to do takes no write lock)."""
    now = now or timezone.now()
    stale = OperatorProfile.objects.exclude(presence=Presence.OFFLINE).filter(
        last_seen_at__lt=now - timeout
    )
    if not stale.exists():
        return 0
    with transaction.atomic():
        count = 0
        for profile in locked(stale).select_related("user"):
            profile.presence = Presence.OFFLINE
            profile.save(update_fields=["presence"])
            _emit(profile)
            count += 1
        return count


def presence_on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    """Signing out is an explicit goodbye: offline now rather than after the timeout."""
    if user is not None and OperatorProfile.objects.filter(user=user).exists():
        presence_heartbeat(user=user, presence=Presence.OFFLINE)
