from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from operator_desk.urls import urlpatterns as desk_urlpatterns


@csrf_exempt
def empty(request: HttpRequest) -> JsonResponse:
    """The baseline: the same daphne, middleware and request parsing, and no work at all."""
    return JsonResponse({"ok": True})


def pool(request: HttpRequest) -> JsonResponse:
    """This process's PostgreSQL pool's counters (psycopg-pool's get_stats): did the callback
    intake wait for a connection? Empty on SQLite (no pool)."""
    pool = connection.pool if connection.vendor == "postgresql" else None
    return JsonResponse(pool.get_stats() if pool else {})


urlpatterns = [path("bench/empty", empty), path("bench/pool", pool), *desk_urlpatterns]
