"""The desk's three roles, kept as Django groups so that permissions stay in Django's model."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# The role as people read it (the code stays in the groups and the forms' values).
ROLE_LABELS = {Role.AGENT: _("agent"), Role.SUPERVISOR: _("supervisor"), Role.ADMIN: _("admin")}


def user_role(user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The strongest role a user holds; superusers are admins."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT):
        if role.value in names:
            return role
    return None
