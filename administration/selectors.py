"""Reads for the admin pages. The checks other apps make on the hot path live with them: which
callback secrets are accepted (callbacks/secrets.py), which connections' queues an operator may
not see (conversations/connections.py)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from audit.models import AuditEntry

# The admin pages read these as selectors.*; they live with the callbacks they check.
from callbacks.secrets import callback_secret_current as callback_secret_current
from callbacks.secrets import callback_secret_describe as callback_secret_describe
from callbacks.secrets import callback_secrets_accepted as callback_secrets_accepted
from conversations.models import Connection, ConnectionPolicy, ConversationState
from fromni import models as platform
from fromni.errors import FromniError
from operator_desk.platform import platform_client
from operators.models import OperatorProfile, Team
from operators.roles import Role, user_role

# --- callback secrets ------------------------------------------------------------------------


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
        ngettext(
            "The platform answered channels/connections with %(count)s connection.",
            "The platform answered channels/connections with %(count)s connections.",
            len(connections),
        )
        % {"count": len(connections)},
        _ms_since(started),
    )


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def platform_callback_settings() -> platform.CallbackSettings:
    return platform_client().callback_get()


# --- connections -----------------------------------------------------------------------------


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
