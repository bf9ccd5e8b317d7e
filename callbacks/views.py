"""POST /fromni/callback/: the platform's callbacks come in here."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from administration.selectors import callback_secret_matches
from callbacks.services import callback_accept
from fromni.callbacks import CallbackError
from operator_desk.jsonbody import strict_json

MAX_BODY_BYTES = 1024 * 1024


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": code, "message": message}, status=status)


def _secret_matches(secret: object) -> bool:
    # The environment's secrets and the ones the admin registered (stored as digests), compared
    # in constant time against every accepted one; the registered ones are cached per process.
    return callback_secret_matches(secret)


@csrf_exempt  # the platform cannot send a CSRF token; the shared secret authenticates it
@require_POST
def fromni_callback(request: HttpRequest) -> JsonResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        return _refuse(413, "too_large", f"A callback body is at most {MAX_BODY_BYTES} bytes.")
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        return _refuse(413, "too_large", f"A callback body is at most {MAX_BODY_BYTES} bytes.")
    try:
        body = strict_json(raw)
    except (ValueError, UnicodeDecodeError):
        return _refuse(400, "not_json", "The body is not JSON.")
    if not isinstance(body, dict):
        return _refuse(400, "invalid", "The body must be a JSON object.")
    if not _secret_matches(body.get("secret")):
        return _refuse(403, "forbidden", "The secret is missing or wrong.")
    try:
        receipt = callback_accept(body=body)
    except CallbackError as error:
        return _refuse(400, "invalid", str(error))
    return JsonResponse({"ok": True, "outcome": receipt.outcome})
