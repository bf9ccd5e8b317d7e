from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from conversations.selectors import conversation_seen
from operator_desk.errors import NotFound
from operators.access import request_role, role_required
from operators.roles import ROLE_LABELS, Role


@role_required(Role.AGENT)
def desk_index(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """The desk page; at /c/<id> the page opens that conversation itself. A conversation the
    operator may not see is the 404 page there, as for one that does not exist (the same rule
    as the API's: conversations.access)."""
    if conversation_id is not None:
        try:
            conversation_seen(user=request.user, conversation_id=conversation_id)
        except NotFound as missing:
            raise Http404(missing.message) from None
    role = request_role(request)
    return render(
        request, "desk/index.html", {"role": role or "", "role_label": ROLE_LABELS.get(role, "")}
    )
