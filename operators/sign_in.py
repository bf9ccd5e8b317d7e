"""Sign-in throttling: wrong passwords lock an account, and an address, out for a while.

django-axes records the failures (one row per username, address and browser) and refuses a
locked-out sign-in before any password is checked. The desk adds three things to it:

- a limit per rule (RULES). axes counts failures for each of its lockout parameters but compares
  the largest count with one limit; a support team behind one office NAT shares one address, so
  the address may fail many more times than one account before the whole office is locked out.
  The handler therefore reports, as the failure count, how much of the nearest rule's limit is
  used up, in percent, and AXES_FAILURE_LIMIT is 100;
- the client's address from X-Forwarded-For only behind proxies the settings trust;
- the lockout as the sign-in page with a message that says what is locked and for how long, and
  each lockout (and each unlock) in the audit log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record
from operator_desk.errors import Invalid

ACCOUNT, ADDRESS = "account", "address"


@dataclass(frozen=True)
class Rule:
    name: str
    parameters: tuple[str, ...]  # axes' lockout parameters, counted together
    setting: str  # the number of failures that locks
    locks: str  # what the person signing in is told is locked: ACCOUNT or ADDRESS

    @property
    def limit(self) -> int:
        return getattr(settings, self.setting)

    def key(self, username: str | None, address: str | None) -> str:
        values = {"username": username, "ip_address": address}
        return " from ".join(str(values[p]) for p in self.parameters)


RULES = (
    # Guessing one account's password from one place.
    Rule(
        "account from one address",
        ("username", "ip_address"),
        "DESK_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS",
        ACCOUNT,
    ),
    # The same from many places: locks the account wherever its operator is.
    Rule("account", ("username",), "DESK_LOGIN_FAILURES_PER_ACCOUNT", ACCOUNT),
    # Trying many accounts from one place: locks everyone behind that address.
    Rule("address", ("ip_address",), "DESK_LOGIN_FAILURES_PER_ADDRESS", ADDRESS),
)


def lockout_parameters(request_or_attempt: Any, credentials: dict | None = None) -> list:
    """AXES_LOCKOUT_PARAMETERS, in the order of RULES."""
    return [list(rule.parameters) for rule in RULES]


def cool_off() -> timedelta:
    return timedelta(minutes=settings.DESK_LOGIN_LOCKOUT_MINUTES)


def cool_off_of(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME (read per request, so a test may change the setting)."""
    return cool_off()


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE. Each trusted proxy appends the address it was called from to
    X-Forwarded-For, so the client is the DESK_TRUSTED_PROXIES-th entry from the right; entries
    further left were written by the client and prove nothing. With no trusted proxy the header
    is ignored."""
    proxies = settings.DESK_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if proxies and hops:
        return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR")


@dataclass(frozen=True)
class Lockout:
    rule: Rule
    key: str  # who or where: "anna from 10.0.0.7", "anna", "10.0.0.7"
    username: str | None
    address: str | None
    failures: int
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))

    def message(self) -> str:
        minutes = self.minutes_left
        if self.rule.locks == ADDRESS:
            text = ngettext(
                "Too many failed sign-ins from your network: signing in from it is paused for "
                "%(minutes)s more minute. An admin can lift the pause sooner.",
                "Too many failed sign-ins from your network: signing in from it is paused for "
                "%(minutes)s more minutes. An admin can lift the pause sooner.",
                minutes,
            )
        else:
            text = ngettext(
                "Too many failed sign-ins: this account is locked for %(minutes)s more minute. "
                "An admin can unlock it sooner.",
                "Too many failed sign-ins: this account is locked for %(minutes)s more minutes. "
                "An admin can unlock it sooner.",
                minutes,
            )
        return text % {"minutes": minutes}


class SignInThrottleHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with a limit per rule (see the module's doc)."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """Also leaves the lockouts in force for this attempt in `request.desk_lockouts`."""
        request.desk_lockouts = []
        used = 0
        username = get_client_username(request, credentials)
        for rule, attempts in zip(RULES, self.get_user_attempts(request, credentials), strict=True):
            counted = attempts.aggregate(
                failures=Sum("failures_since_start"), last=Max("attempt_time")
            )
            failures = counted["failures"] or 0
            used = max(used, 100 * failures // rule.limit)
            if failures >= rule.limit:
                request.desk_lockouts.append(
                    Lockout(
                        rule=rule,
                        key=rule.key(username, request.axes_ip_address),
                        username=username if "username" in rule.parameters else None,
                        address=request.axes_ip_address
                        if "ip_address" in rule.parameters
                        else None,
                        failures=failures,
                        until=counted["last"] + cool_off(),
                    )
                )
        return used

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful sign-in (AXES_RESET_ON_SUCCESS): forget this person's own mistakes
        from this address only. axes would also clear everything else counted against the
        address, which would let anyone with one account reset a guessing run from it."""
        username = get_client_username(request, credentials)
        deleted, _by_model = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return deleted


class SignInThrottleBackend(AxesStandaloneBackend):
    """The first of AUTHENTICATION_BACKENDS. A sign-in without a request (a management
    command, the test client's login) has no client to throttle, so it is let through to the
    password check instead of being refused."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying what is locked and for how long
    (429, as axes answers)."""
    if not getattr(request, "desk_lockouts", None):  # refused before the count was read
        AxesProxyHandler.get_failures(request, credentials)
    # A paused address says more than a locked account: nobody there can sign in.
    lockouts = sorted(request.desk_lockouts, key=lambda lock: lock.rule.locks != ADDRESS)
    lockout = lockouts[0] if lockouts else None
    return render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request),
            "lockout": lockout.message() if lockout else None,
            "next": request.POST.get("next", ""),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def on_locked_out(sender: Any, request: HttpRequest, username: str, ip_address: str, **_: Any):
    """axes' user_locked_out. axes sends it for the failure that locks and again for every
    attempt refused while locked, which it does not count (axes_failures_since_start stays
    unset): only the first is recorded. A counted failure was refused by no rule, so every rule
    it brought to its limit (an account's and the address's at once, say) locks from now."""
    if request.axes_failures_since_start is None:
        return
    for lockout in request.desk_lockouts:
        audit_record(
            actor=None,
            action="sign_in.locked_out",
            target=_target(lockout.username, lockout.address),
            rule=lockout.rule.name,
            failures=lockout.failures,
            address=ip_address,
            username=username,
            until=lockout.until.isoformat(timespec="seconds"),
        )


def _target(username: str | None, address: str | None) -> str:
    if username is not None:
        user = User.objects.filter(username=username).first()
        return f"user:{user.pk}" if user else f"username:{username}"
    return f"address:{address}"


# --- what an admin sees and does ---------------------------------------------------------------


def lockouts_current() -> list[Lockout]:
    """Every lockout in force, per rule: accounts first, then addresses."""
    since = timezone.now() - cool_off()
    found = []
    for rule in RULES:
        fields = list(rule.parameters)
        groups = (
            AccessAttempt.objects.filter(attempt_time__gte=since)
            .values(*fields)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=rule.limit)
            .order_by("-last")
        )
        for group in groups:
            username, address = group.get("username"), group.get("ip_address")
            found.append(
                Lockout(
                    rule=rule,
                    key=rule.key(username, address),
                    username=username,
                    address=address,
                    failures=group["failures"],
                    until=group["last"] + cool_off(),
                )
            )
    return found


@transaction.atomic
def sign_in_unlock(*, actor: User, username: str = "", address: str = "") -> int:
    """Forget the failed sign-ins of an account (from everywhere) or of an address (for every
    account), which lifts the lockouts they caused. Returns how many records went."""
    if bool(username) == bool(address):
        raise Invalid(_("Unlock either an account or an address."))
    if address:
        try:
            validate_ipv46_address(address)
        except ValidationError:
            raise Invalid(_("%(address)s is not an IP address.") % {"address": address}) from None
    cleared = AxesProxyHandler.reset_attempts(username=username or None, ip_address=address or None)
    audit_record(
        actor=actor,
        action="sign_in.unlock",
        target=_target(username or None, address or None),
        cleared=cleared,
    )
    return cleared
