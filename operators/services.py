"""Writes about operators (desk users)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext as _

from operator_desk.db import locked
from operator_desk.errors import Conflict, Invalid
from operators.models import OperatorProfile, Team
from operators.roles import Role


def _role_apply(user: User, role: Role) -> None:
    """The role is the user's one group; only admins may use Django's own admin for raw data.
    Saves the user."""
    user.is_staff = user.is_superuser = role is Role.ADMIN
    user.save()
    # get_or_create: the migration makes the groups, but a flushed test database has none.
    user.groups.set([Group.objects.get_or_create(name=role.value)[0]])


@transaction.atomic
def operator_set_up(*, username: str, password: str, role: Role, first_name: str = "") -> User:
    """Create the operator, or reset an existing one's password and role (idempotent)."""
    user, _created = User.objects.get_or_create(username=username)
    user.first_name = first_name or user.first_name
    user.is_active = True
    user.set_password(password)
    _role_apply(user, role)
    OperatorProfile.objects.get_or_create(user=user)
    return user


@transaction.atomic
def operator_create(
    *,
    username: str,
    password: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    capacity: int = 5,
) -> User:
    """A new operator (an existing username is a Conflict, never silently reset)."""
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The username %(name)s is taken.") % {"name": username})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    _role_apply(user, role)
    OperatorProfile.objects.create(user=user, team=team, capacity=capacity)
    return user


@transaction.atomic
def operator_update(
    *,
    user: User,
    role: Role,
    first_name: str,
    last_name: str,
    email: str,
    team: Team | None,
    capacity: int,
) -> dict[str, list[Any]]:
    """Change what an admin may change. Returns {field: [before, after]} for what changed."""
    profile, _created = locked(OperatorProfile.objects).get_or_create(user=user)
    current_role = next(
        (r.value for r in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT) if _has_group(user, r)), None
    )
    before = {
        "role": Role.ADMIN.value if user.is_superuser else current_role,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "team": profile.team.name if profile.team else None,
        "capacity": profile.capacity,
    }
    after = {
        "role": role.value,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "team": team.name if team else None,
        "capacity": capacity,
    }
    user.first_name, user.last_name, user.email = first_name, last_name, email
    _role_apply(user, role)
    profile.team, profile.capacity = team, capacity
    profile.save(update_fields=["team", "capacity"])
    return {key: [before[key], after[key]] for key in after if before[key] != after[key]}


def _has_group(user: User, role: Role) -> bool:
    return user.groups.filter(name=role.value).exists()


@transaction.atomic
def operator_set_active(*, user: User, active: bool) -> None:
    """Inactive users cannot sign in, and their sessions stop authenticating at once (Django's
    backend refuses inactive users on every request)."""
    user.is_active = active
    user.save(update_fields=["is_active"])


@transaction.atomic
def operator_password_set(*, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def team_create(*, name: str) -> Team:
    name = name.strip()
    if not name:
        raise Invalid(_("A team needs a name."))
    if Team.objects.filter(name__iexact=name).exists():
        raise Conflict(_("There is a team %(name)s already.") % {"name": name})
    return Team.objects.create(name=name)
