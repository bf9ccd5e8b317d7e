"""JSON endpoints about the operator's own session and the team."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest

from operator_desk.api import api_view
from operators.roles import user_role
from realtime.selectors import cursor_latest


@api_view(methods=("GET",))
def session(request: HttpRequest) -> dict:
    """Who I am, and the cursor to open the websocket from (read before any snapshot)."""
    user = request.user
    return {
        "user": {"id": user.pk, "username": user.username, "name": user.get_full_name()},
        "role": request.role,
        "cursor": cursor_latest(),
    }


@api_view(methods=("GET",))
def operator_list(request: HttpRequest) -> dict:
    users = User.objects.filter(is_active=True).prefetch_related("groups").order_by("username")
    data = []
    for user in users:
        role = user_role(user)
        if role is not None:
            data.append(
                {"id": user.pk, "name": user.get_full_name() or user.username, "role": role}
            )
    return {"data": data}
