from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from operators.access import request_role, role_required
from operators.roles import Role

ROLE_LABELS = {Role.AGENT: _("agent"), Role.SUPERVISOR: _("supervisor"), Role.ADMIN: _("admin")}


@role_required(Role.AGENT)
def desk_index(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """The desk page; at /c/<id> the page opens that conversation itself (through the API,
    which decides whether this operator may see it)."""
    role = request_role(request)
    return render(
        request, "desk/index.html", {"role": role or "", "role_label": ROLE_LABELS.get(role, "")}
    )
