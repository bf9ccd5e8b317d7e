from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from operator_desk.urls import urlpatterns as desk_urlpatterns


@csrf_exempt
def empty(request: HttpRequest) -> JsonResponse:
    """The baseline: the same daphne, middleware and request parsing, and no work at all."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/empty", empty), *desk_urlpatterns]
