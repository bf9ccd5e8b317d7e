"""What every JSON endpoint under /api/ shares: methods, JSON in, errors out.

Who may call an endpoint is decided by the gate in operators/access.py (`api_view`), which
wraps `json_view`; input is parsed by the models of operator_desk/inputs.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from operator_desk.errors import DeskError, Invalid
from operator_desk.jsonbody import strict_json
from operator_desk.outage import database_unavailable


def json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = strict_json(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid(_("The body is not JSON.")) from None
    if not isinstance(body, dict):
        raise Invalid(_("The body must be a JSON object."))
    return body


def json_view(*, methods: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A JSON endpoint: 405 for other methods, DeskError -> its status and JSON, 503 while the
    database is unavailable; a dict or list returned becomes the JSON answer. CSRF stays
    enforced by the middleware."""

    def decorate(view: Callable[..., Any]) -> Callable[..., JsonResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                return JsonResponse(
                    {"error": "method_not_allowed", "message": f"Use {', '.join(methods)}."},
                    status=405,
                )
            try:
                result = view(request, *args, **kwargs)
            except DeskError as error:
                return JsonResponse(error.as_json(), status=error.status)
            except DatabaseError as error:
                if not database_unavailable(error):
                    raise
                # Not this request's fault: a 503 the page may retry, and no traceback a click.
                return JsonResponse(
                    {"error": "unavailable", "message": "The database is unavailable; try again."},
                    status=503,
                )
            if isinstance(result, JsonResponse):
                return result
            return JsonResponse(result, safe=False)

        return wrapper

    return decorate
