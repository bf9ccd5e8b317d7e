"""What every JSON endpoint under /api/ shares: authentication, JSON in, errors out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse

from operator_desk.errors import DeskError, Forbidden, Invalid
from operator_desk.jsonbody import strict_json
from operator_desk.outage import database_unavailable
from operators.roles import Role, user_role


def json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = strict_json(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("The body is not JSON.") from None
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.")
    return body


def api_view(
    *, methods: tuple[str, ...], roles: tuple[Role, ...] = tuple(Role)
) -> Callable[[Callable[..., Any]], Callable[..., JsonResponse]]:
    """Session-authenticated JSON endpoint: 401 for anonymous users, 403 for other roles,
    405 for other methods, DeskError -> its status, 503 while the database is unavailable.
    CSRF stays enforced by the middleware."""

    def decorate(view: Callable[..., Any]) -> Callable[..., JsonResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                return JsonResponse(
                    {"error": "method_not_allowed", "message": f"Use {', '.join(methods)}."},
                    status=405,
                )
            try:
                return _answer(request, view, args, kwargs, roles)
            except DatabaseError as error:
                if not database_unavailable(error):
                    raise
                # Not this request's fault: a 503 the page may retry, and no traceback a click.
                return JsonResponse(
                    {"error": "unavailable", "message": "The database is unavailable; try again."},
                    status=503,
                )

        return wrapper

    return decorate


def _answer(
    request: HttpRequest,
    view: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    roles: tuple[Role, ...],
) -> JsonResponse:
    role = user_role(request.user)
    if role is None:
        return JsonResponse({"error": "unauthenticated", "message": "Sign in first."}, status=401)
    try:
        if role not in roles:
            raise Forbidden("Your role cannot do this.")
        request.role = role
        result = view(request, *args, **kwargs)
    except DeskError as error:
        return JsonResponse(error.as_json(), status=error.status)
    if isinstance(result, JsonResponse):
        return result
    return JsonResponse(result, safe=False)


def int_param(
    value: Any, name: str, *, default: int | None = None, low: int = 0, high: int | None = None
) -> int:
    if value in (None, ""):
        if default is None:
            raise Invalid(f"{name} is required.")
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{name} must be a whole number.") from None
    if number < low or (high is not None and number > high):
        raise Invalid(f"{name} must be between {low} and {high}.")
    return number
