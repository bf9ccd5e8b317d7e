"""Admin actions: each changes the platform or the desk and records who did it in the audit log.

Platform calls never run inside a database transaction: on SQLite a transaction holds the
write lock from its first statement (IMMEDIATE), and callbacks must not wait for a slow
platform. So each action calls the platform first and then writes (and audits) in one short
transaction. A platform refusal raises fromni.errors.FromniError and nothing is recorded.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from administration.selectors import operator_role
from audit.services import audit_record
from callbacks.models import CallbackSecret
from callbacks.secrets import callback_secret_current, callback_secrets_cache_clear, secret_digest
from conversations.actions import conversations_release_assigned
from conversations.connections import connection_upsert
from conversations.models import Connection, ConnectionPolicy
from fromni import models as platform
from fromni.errors import FromniError, FromniTransportError
from operator_desk.errors import Conflict, Invalid, NotFound
from operator_desk.platform import platform_client
from operators import services as operators
from operators.models import Team
from operators.roles import Role
from outreach.templates import templates_forget
from realtime.services import access_changed_emit

R = TypeVar("R")
CALLBACK_TARGET = "setting:callback"

# --- callback registration ---------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackRegistration:
    secret: CallbackSecret
    # False: the platform did not answer, so it may or may not have taken the new secret;
    # the desk accepts it for the grace period either way.
    confirmed: bool
    error: FromniError | None = None


def _grace() -> timedelta:
    return timedelta(hours=settings.FROMNI_CALLBACK_SECRET_GRACE_HOURS)


def callback_register(
    *, actor: User, callback_url: str, action: str = "callback.register"
) -> CallbackRegistration:
    """Register `callback_url` with a newly generated secret (callback/set).

    The new secret is accepted before the platform is asked (it may send with it as soon as it
    has it); once the platform confirms, the secret it replaces stays accepted for
    FROMNI_CALLBACK_SECRET_GRACE_HOURS, because callbacks already queued on the platform keep
    the secret they were queued with for every retry. The secret itself is only ever in this
    function's memory and in the request to the platform; the desk keeps its digest.
    """
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        pending = CallbackSecret.objects.create(
            digest=secret_digest(secret),
            callback_url=callback_url,
            created_by=actor,
            # An unconfirmed secret must not stay valid forever.
            expires_at=timezone.now() + _grace(),
        )
    callback_secrets_cache_clear()
    try:
        platform_client().callback_set(callback_url, secret)
    except FromniError as error:
        if isinstance(error, FromniTransportError) and error.maybe_delivered:
            with transaction.atomic():
                audit_record(
                    actor=actor,
                    action=f"{action}_unconfirmed",
                    target=CALLBACK_TARGET,
                    url=callback_url,
                    secret=pending.fingerprint,
                    error=str(error),
                )
            return CallbackRegistration(pending, confirmed=False, error=error)
        pending.delete()
        callback_secrets_cache_clear()
        raise
    with transaction.atomic():
        now = timezone.now()
        replaced = CallbackSecret.objects.filter(
            activated_at__isnull=False, expires_at=None
        ).exclude(pk=pending.pk)
        fingerprints = [row.fingerprint for row in replaced]
        replaced.update(expires_at=now + _grace())
        pending.activated_at = now
        pending.expires_at = None
        pending.save(update_fields=["activated_at", "expires_at"])
        audit_record(
            actor=actor,
            action=action,
            target=CALLBACK_TARGET,
            url=callback_url,
            secret=pending.fingerprint,
            replaced=fingerprints,
            replacedAcceptedUntil=(now + _grace()).isoformat() if fingerprints else None,
        )
    callback_secrets_cache_clear()
    return CallbackRegistration(pending, confirmed=True)


def callback_secret_rotate(*, actor: User) -> CallbackRegistration:
    """A new secret for the URL registered now (the desk's last registration, or what the
    platform reports when the desk never registered one)."""
    current = callback_secret_current()
    url = current.callback_url if current else platform_client().callback_get().callback_url
    if not url:
        raise Invalid(_("No callback URL is registered yet: register one first."))
    return callback_register(actor=actor, callback_url=url, action="callback.rotate")


# --- connections -------------------------------------------------------------------------------


@transaction.atomic
def connection_access_set(
    *,
    actor: User,
    platform_id: int,
    served: bool,
    teams: Iterable[Team],
    operators: Iterable[User],
    platform_row: platform.Connection | None = None,
) -> ConnectionPolicy:
    """Whether the desk serves a connection and who sees its queue. Every open socket reloads
    its operator's access (desk.access_changed)."""
    connection = Connection.objects.filter(platform_id=platform_id).first()
    if connection is None:
        if platform_row is None:
            raise NotFound(_("There is no connection %(id)s.") % {"id": platform_id})
        connection = connection_upsert(data=platform_row)
    teams, operators = list(teams), list(operators)
    policy, _created = ConnectionPolicy.objects.get_or_create(connection=connection)
    policy.served = served
    policy.restricted = bool(teams or operators)
    policy.updated_by = actor
    policy.save()
    policy.teams.set(teams)
    policy.operators.set(operators)
    audit_record(
        actor=actor,
        action="connection.access",
        target=f"connection:{platform_id}",
        name=connection.name,
        served=served,
        teams=sorted(team.name for team in teams),
        operators=sorted(user.username for user in operators),
    )
    access_changed_emit(what="connection", connectionId=platform_id)
    return policy


# --- templates (they live on the platform) -----------------------------------------------------


def _on_platform(
    call: Callable[[], R], *, actor: User, action: str, target: str, **details: Any
) -> R:
    """Make the platform change, then record it; the composer's cached list is dropped."""
    result = call()
    with transaction.atomic():
        audit_record(actor=actor, action=action, target=target, **details)
    templates_forget()
    return result


def template_create(
    *, actor: User, text: str, display_name: str = "", name: str = "", channels: Sequence[str] = ()
) -> platform.Template:
    template = platform_client().templates_create(
        text,
        display_name=display_name or None,
        name=name or None,
        channels=list(channels) or None,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="template.create",
            target=f"template:{template.id}",
            displayName=template.display_name,
            channels=list(channels),
        )
    templates_forget()
    return template


def template_text_update(*, actor: User, template_id: int, text: str) -> None:
    _on_platform(
        lambda: platform_client().templates_update(template_id, text),
        actor=actor,
        action="template.update",
        target=f"template:{template_id}",
        text=text,
    )


def template_channel_add(
    *, actor: User, template_id: int, channel: str
) -> platform.TemplateChannel:
    return _on_platform(
        lambda: platform_client().templates_channel_add(template_id, channel),
        actor=actor,
        action="template.channel_add",
        target=f"template:{template_id}",
        channel=channel,
    )


def template_channel_remove(*, actor: User, template_id: int, channel: str) -> None:
    _on_platform(
        lambda: platform_client().templates_channel_delete(template_id, channel),
        actor=actor,
        action="template.channel_remove",
        target=f"template:{template_id}",
        channel=channel,
    )


def template_delete(*, actor: User, template_id: int) -> None:
    _on_platform(
        lambda: platform_client().templates_delete(template_id),
        actor=actor,
        action="template.delete",
        target=f"template:{template_id}",
    )


def template_group_create(
    *, actor: User, name: str, template_ids: Sequence[int]
) -> platform.TemplateGroup:
    group = platform_client().template_groups_create(name, list(template_ids))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="template.group_create",
            target=f"template_group:{group.id}",
            name=name,
            templates=list(template_ids),
        )
    templates_forget()
    return group


def template_group_add(*, actor: User, template_id: int, group_id: int) -> None:
    _on_platform(
        lambda: platform_client().template_groups_add(template_id, group_id),
        actor=actor,
        action="template.group_add",
        target=f"template:{template_id}",
        groupId=group_id,
    )


def template_group_remove(*, actor: User, template_id: int) -> None:
    _on_platform(
        lambda: platform_client().template_groups_remove(template_id),
        actor=actor,
        action="template.group_remove",
        target=f"template:{template_id}",
    )


# --- operators ---------------------------------------------------------------------------------


def password_generate() -> str:
    """A password an admin hands over once (about 96 bits)."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def operator_add(
    *,
    actor: User,
    username: str,
    password: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    capacity: int = 5,
) -> User:
    user = operators.operator_create(
        username=username,
        password=password,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        team=team,
        capacity=capacity,
    )
    audit_record(
        actor=actor,
        action="operator.create",
        target=f"user:{user.pk}",
        username=user.username,
        role=role.value,
        team=team.name if team else None,
        capacity=capacity,
    )
    return user


_SELF_REFUSALS = {
    "demote": _lazy("You cannot demote yourself; ask another admin."),
    "deactivate": _lazy("You cannot deactivate yourself; ask another admin."),
}


def _guard_self(actor: User, user: User, what: str) -> None:
    # An admin who locks themselves out may leave the desk with no admin at all.
    if actor.pk == user.pk:
        raise Conflict(str(_SELF_REFUSALS[what]))


@transaction.atomic
def operator_change(
    *,
    actor: User,
    user: User,
    role: Role,
    first_name: str,
    last_name: str,
    email: str,
    team: Team | None,
    capacity: int,
) -> dict[str, list[Any]]:
    """Change an operator's role, name, team and capacity. Returns what changed (field:
    [before, after]), as audited. A role or team change reloads every socket's access."""
    if role is not Role.ADMIN and operator_role(user) is Role.ADMIN:
        _guard_self(actor, user, "demote")
    changes = operators.operator_update(
        user=user,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        team=team,
        capacity=capacity,
    )
    if changes:
        audit_record(
            actor=actor,
            action="operator.update",
            target=f"user:{user.pk}",
            username=user.username,
            changes=changes,
        )
    if "role" in changes or "team" in changes:
        access_changed_emit(what="operator", userId=user.pk)
    return changes


@transaction.atomic
def operator_deactivate(*, actor: User, user: User) -> int:
    """Sign the operator out of the desk for good (sessions and sockets stop working; the
    account and its history stay) and put their open conversations back in the queue.
    Returns how many went back."""
    _guard_self(actor, user, "deactivate")
    if not user.is_active:
        return 0
    operators.operator_set_active(user=user, active=False)
    released = conversations_release_assigned(assignee=user, actor=actor)
    audit_record(
        actor=actor,
        action="operator.deactivate",
        target=f"user:{user.pk}",
        username=user.username,
        released=[c.pk for c in released],
    )
    # Its sockets see this event, find the account inactive and close.
    access_changed_emit(what="operator", userId=user.pk)
    return len(released)


@transaction.atomic
def operator_reactivate(*, actor: User, user: User) -> None:
    if user.is_active:
        return
    operators.operator_set_active(user=user, active=True)
    audit_record(
        actor=actor,
        action="operator.reactivate",
        target=f"user:{user.pk}",
        username=user.username,
    )


@transaction.atomic
def operator_password_reset(*, actor: User, user: User, password: str) -> None:
    operators.operator_password_set(user=user, password=password)
    audit_record(
        actor=actor,
        action="operator.password_reset",
        target=f"user:{user.pk}",
        username=user.username,
    )


@transaction.atomic
def team_add(*, actor: User, name: str) -> Team:
    team = operators.team_create(name=name)
    audit_record(actor=actor, action="team.create", target=f"team:{team.pk}", name=team.name)
    return team


@transaction.atomic
def team_remove(*, actor: User, team: Team) -> None:
    """Delete a team: its members stay, without a team. A team that connection access rules
    name is refused: deleting it would silently change who sees those queues."""
    used = sorted(
        str(policy.connection) for policy in team.connections.select_related("connection")
    )
    if used:
        raise Conflict(
            _("Connections %(connections)s name team %(team)s; change them first.")
            % {"connections": ", ".join(used), "team": team.name}
        )
    name, pk = team.name, team.pk
    team.delete()
    audit_record(actor=actor, action="team.delete", target=f"team:{pk}", name=name)
    access_changed_emit(what="team", teamId=pk)
