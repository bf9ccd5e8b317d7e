"""What every page's navigation needs to know of the reader: which areas their role opens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from operators.access import request_role, role_reaches
from operators.roles import Role


def areas(request: HttpRequest) -> dict[str, Any]:
    """`supervises` (dashboard, reports, contacts) and `administers` (the admin pages), by the
    same rule as the gates, so a page links only where its reader may go."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"supervises": False, "administers": False}
    role = request_role(request)
    return {
        "supervises": role_reaches(role, Role.SUPERVISOR),
        "administers": role_reaches(role, Role.ADMIN),
    }
