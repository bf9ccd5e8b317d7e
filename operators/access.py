"""Who may call what: the one role gate of the desk's pages and its JSON API.

Roles are ranked (agent < supervisor < admin) and every route names the least role it takes:

    @role_required(Role.SUPERVISOR)            # a page
    @api_view(methods=GET, role=Role.SUPERVISOR)  # a JSON endpoint

A page sends an anonymous visitor to the login page and answers a signed-in user whose role is
too low with the 403 page; an endpoint answers 401 `unauthenticated` and 403 `forbidden` in the
API's JSON shape. Both check the same rule, `role_reaches`, so a page and the endpoint behind
it cannot disagree. tests/test_permissions.py tries every route of the URLconf against it.

Django's model permissions are not used: the desk's rules (an agent sees the conversations of
the connections they serve, a supervisor every one) are not per-model rights, and the groups
carry none (operators/migrations/0003_role_permissions_removed.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from operator_desk.api import json_view
from operator_desk.errors import Forbidden, Unauthenticated
from operators.roles import Role, user_role

_RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}

# What the 403 page says, by the least role the page takes.
_WHO = {
    Role.AGENT: _("Only operators open this page."),
    Role.SUPERVISOR: _("Only supervisors and admins open this page."),
    Role.ADMIN: _("Only admins configure the desk."),
}


def role_reaches(role: Role | None, least: Role) -> bool:
    """Whether `role` is `least` or above it; no role reaches anything."""
    return role is not None and _RANK[role] >= _RANK[least]


def supervises(user: Any) -> bool:
    """Supervisors and admins: they see every conversation, contact and report."""
    return role_reaches(user_role(user), Role.SUPERVISOR)


def request_role(request: HttpRequest) -> Role | None:
    """The caller's role, read once per request (the gate and the view share it)."""
    if not hasattr(request, "role"):
        request.role = user_role(request.user)
    return request.role


def role_required(least: Role) -> Callable[[Callable[..., HttpResponse]], Callable[..., Any]]:
    """A page for `least` and the roles above it."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not role_reaches(request_role(request), least):
                # The site's 403 page (templates/403.html), saying who the page is for.
                return render(request, "403.html", {"exception": _WHO[least]}, status=403)
            return view(request, *args, **kwargs)

        # Kept on the view (functools.wraps carries it through the decorators above this one) so
        # that tests can list every page with the least role that opens it.
        gated.least_role = least
        return gated

    return decorate


def api_view(
    *,
    methods: tuple[str, ...],
    role: Role = Role.AGENT,
    method_roles: Mapping[str, Role] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A JSON endpoint (operator_desk.api.json_view) for `role` and above; `method_roles` raises
    the bar for some methods of it (e.g. everyone reads, supervisors write)."""
    by_method = dict(method_roles or {})

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            caller = request_role(request)
            if caller is None:
                raise Unauthenticated(gettext("Sign in first."))
            if not role_reaches(caller, by_method.get(request.method or "", role)):
                raise Forbidden(gettext("Your role cannot do this."))
            return view(request, *args, **kwargs)

        return json_view(methods=methods)(gated)

    return decorate
