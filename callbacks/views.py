"""POST /fromni/callback/ through Django's request cycle: under runserver and WSGI, and in
tests' clients. Daphne serves the same route from callbacks/asgi.py (operator_desk/asgi.py)."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from callbacks.intake import callback_intake, declared_length_refusal, refusal
from operator_desk.outage import database_unavailable


@csrf_exempt  # the platform cannot send a CSRF token; the shared secret authenticates it
@require_POST
def fromni_callback(request: HttpRequest) -> JsonResponse:
    arrived_at = timezone.now()
    try:
        status, payload = declared_length_refusal(request.META.get("CONTENT_LENGTH")) or (
            callback_intake(request.body, arrived_at=arrived_at)
        )
    except DatabaseError as error:
        if not database_unavailable(error):
            raise
        status, payload = unavailable()
    return JsonResponse(payload, status=status)


def unavailable() -> tuple[int, dict]:
    """The answer while the database is away: the platform sends the callback again later."""
    return refusal(503, "unavailable", "The desk's database is unavailable; send it again later.")
