"""Writes about operators (desk users)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from operators.models import OperatorProfile
from operators.roles import Role


@transaction.atomic
def operator_set_up(*, username: str, password: str, role: Role, first_name: str = "") -> User:
    """Create the operator, or reset an existing one's password and role (idempotent)."""
    user, _ = User.objects.get_or_create(username=username)
    user.first_name = first_name or user.first_name
    user.is_active = True
    # Only admins may use Django's own admin for raw data.
    user.is_staff = user.is_superuser = role is Role.ADMIN
    user.set_password(password)
    user.save()
    # get_or_create: the migration makes the groups, but a flushed test database has none.
    user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
    OperatorProfile.objects.get_or_create(user=user)
    return user
