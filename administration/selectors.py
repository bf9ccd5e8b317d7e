"""Reads for the admin pages, and the two checks other apps make on the hot path: whether a
callback's secret is accepted, and which connections' queues an operator may not see."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from administration.models import CallbackSecret, ConnectionPolicy
from audit.models import AuditEntry
from conversations.models import Connection, ConversationState
from fromni import models as platform
from fromni.errors import FromniError
from operator_desk.platform import platform_client
from operators.models import OperatorProfile, Team
from operators.roles import Role, user_role

# --- callback secrets ------------------------------------------------------------------------


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
        return "none: the platform sends no secret, so the desk refuses its callbacks"
    digest = secret_digest(secret)
    if any(hmac.compare_digest(digest, secret_digest(s)) for s in settings.FROMNI_CALLBACK_SECRETS):
        return "the secret from the desk's environment (FROMNI_CALLBACK_SECRET)"
    row = CallbackSecret.objects.filter(digest=digest).first()
    if row is None:
        return "unknown to the desk: its callbacks are refused; register again"
    if not row.accepted_at(timezone.now()):
        return f"{row.fingerprint}, expired: its callbacks are refused; register again"
    if row.activated_at is None:
        return f"{row.fingerprint}, unconfirmed: accepted until {row.expires_at:%Y-%m-%d %H:%M} UTC"
    if row.expires_at is not None:
        return f"{row.fingerprint}, replaced: accepted until {row.expires_at:%Y-%m-%d %H:%M} UTC"
    return f"{row.fingerprint}, the desk's current secret"


def mask(secret: str | None) -> str:
    """A secret as the admin pages show it: never in full."""
    if not secret:
        return "not set"
    if len(secret) < 16:
        return "set (" + "•" * 8 + ")"
    return "•" * 8 + secret[-4:]


@dataclass(frozen=True)
class PlatformCheck:
    ok: bool
    message: str
    milliseconds: float


def platform_check() -> PlatformCheck:
    """Ask the platform something cheap with the configured URL and token (channels/connections:
    a read, no side effects) and say how it went, in the platform's words when it refused."""
    started = time.perf_counter()
    try:
        connections = platform_client().channels_connections()
    except FromniError as error:
        return PlatformCheck(False, str(error), _ms_since(started))
    return PlatformCheck(
        True,
        f"The platform answered channels/connections with {len(connections)} connection(s).",
        _ms_since(started),
    )


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def platform_callback_settings() -> platform.CallbackSettings:
    return platform_client().callback_get()


# --- connections -----------------------------------------------------------------------------


def connection_ids_hidden_from(*, user_id: int) -> frozenset[int]:
    """The connections (desk ids) with access rules that do not name this operator or their
    team: their queued conversations are not for them. The caller decides that supervisors
    and admins see everything. One query."""
    return frozenset(
        ConnectionPolicy.objects.filter(restricted=True)
        .exclude(operators__id=user_id)
        .exclude(teams__members__user_id=user_id)
        .values_list("connection_id", flat=True)
    )


def connection_served(connection: Connection | None) -> bool:
    if connection is None:
        return True
    return not ConnectionPolicy.objects.filter(connection=connection, served=False).exists()


@dataclass
class ConnectionRow:
    platform_id: int
    channel: str
    name: str
    on_platform: bool
    connection: Connection | None = None
    served: bool = True
    teams: list[Team] = field(default_factory=list)
    operators: list[User] = field(default_factory=list)

    @property
    def open_everywhere(self) -> bool:
        return not self.teams and not self.operators


def platform_connections() -> list[platform.Connection]:
    return platform_client().channels_connections()


def connections_overview(
    platform_rows: Iterable[platform.Connection],
) -> list[tuple[str, list[ConnectionRow]]]:
    """The platform's connections next to the desk's policies, grouped by channel; connections
    the desk saw in hand-overs but the platform no longer lists are shown too."""
    local = {
        c.platform_id: c
        for c in Connection.objects.select_related("policy").prefetch_related(
            "policy__teams", "policy__operators"
        )
    }
    rows: dict[int, ConnectionRow] = {}
    for item in platform_rows:
        pid = int(item.id)
        rows[pid] = ConnectionRow(pid, item.channel or "", item.name or "", True)
    for pid, connection in local.items():
        row = rows.setdefault(
            pid, ConnectionRow(pid, connection.channel, connection.name, on_platform=False)
        )
        row.connection = connection
        row.name = row.name or connection.name
        policy = getattr(connection, "policy", None)
        if policy is not None:
            row.served = policy.served
            row.teams = list(policy.teams.all())
            row.operators = list(policy.operators.all())
    grouped: dict[str, list[ConnectionRow]] = {}
    for row in sorted(rows.values(), key=lambda r: (r.channel, r.platform_id)):
        grouped.setdefault(row.channel or "unknown", []).append(row)
    return list(grouped.items())


def connection_policy_of(platform_id: int) -> ConnectionPolicy | None:
    return (
        ConnectionPolicy.objects.filter(connection__platform_id=platform_id)
        .prefetch_related("teams", "operators")
        .first()
    )


# --- templates -------------------------------------------------------------------------------


@dataclass
class TemplateGroupRow:
    id: int
    name: str
    templates: list[platform.Template]


def platform_templates() -> list[platform.Template]:
    """Every template on the platform, paged explicitly (a missing `limit` may mean 10)."""
    return list(platform_client().iter_templates(order=[["id", "ASC"]]))


def template_groups(templates: Iterable[platform.Template]) -> list[TemplateGroupRow]:
    """The groups, as the template list shows them (the API has no list of groups)."""
    groups: dict[int, TemplateGroupRow] = {}
    for template in templates:
        if template.template_group_id is None:
            continue
        gid = int(template.template_group_id)
        group = groups.setdefault(gid, TemplateGroupRow(gid, template.group_name or "", []))
        group.templates.append(template)
    return sorted(groups.values(), key=lambda g: g.id)


def platform_template(template_id: int) -> platform.Template | None:
    return next((t for t in platform_templates() if int(t.id) == template_id), None)


# --- operators -------------------------------------------------------------------------------

OPERATOR_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@dataclass
class OperatorRow:
    user: User
    role: Role | None
    profile: OperatorProfile | None
    open_conversations: int


def operators_overview() -> list[OperatorRow]:
    """Every desk user (active first), with role, team, capacity and open load."""
    users = (
        User.objects.select_related("operator__team")
        .prefetch_related("groups")
        .annotate(
            load=Count(
                "assigned_conversations",
                filter=Q(assigned_conversations__state=ConversationState.ASSIGNED),
            )
        )
        .order_by("-is_active", "username")
    )
    return [
        OperatorRow(user, _role_of(user), getattr(user, "operator", None), user.load)
        for user in users
    ]


def _role_of(user: User) -> Role | None:
    """The role from prefetched groups (user_role queries; this page lists everyone)."""
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in reversed(OPERATOR_ROLES) if role.value in names), None)


def operator_role(user: User) -> Role | None:
    """The role an admin sees and edits, whether or not the account is active."""
    if user.is_active:
        return user_role(user)
    return _role_of(user)


def teams_listed() -> QuerySet[Team]:
    return Team.objects.annotate(size=Count("members")).order_by("name")


# --- audit -----------------------------------------------------------------------------------


def audit_entries(
    *,
    actor_id: int | None = None,
    action: str = "",
    target: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """The audit log, newest first. `action` matches exactly or, ending in ".", as a prefix
    ("template." is every template change); `target` is a substring; the period is in whole
    days, both ends included."""
    entries = AuditEntry.objects.select_related("actor")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = (
            entries.filter(action__startswith=action)
            if action.endswith(".")
            else entries.filter(action=action)
        )
    if target:
        entries = entries.filter(target__icontains=target)
    if since is not None:
        entries = entries.filter(at__gte=_day_start(since))
    if until is not None:
        entries = entries.filter(at__lt=_day_start(until) + timedelta(days=1))
    return entries.order_by("-at", "-id")


def audit_actions() -> list[str]:
    """Every action in the log, and each family ("template.") once, for the filter."""
    actions = sorted(set(AuditEntry.objects.values_list("action", flat=True).distinct()))
    families = sorted({a.split(".", 1)[0] + "." for a in actions if "." in a})
    return families + actions


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
