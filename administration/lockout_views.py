"""The admin's side of sign-in throttling (operators/sign_in.py): lifting a lockout. The
lockouts in force are listed on the operators page and on each operator's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from administration.views import _act, admin_page
from operators.sign_in import sign_in_unlock


@require_POST
@admin_page
def lockout_lift(request: HttpRequest) -> HttpResponse:
    """`username`: forget that account's failed sign-ins from everywhere; `address`: forget
    every failed sign-in from that address. Back to where the button was."""
    username = request.POST.get("username", "").strip()
    address = request.POST.get("address", "").strip()
    back = request.POST.get("back", "")
    if not back.startswith("/admin/operators"):
        back = reverse("administration:operators")
    return _act(
        request,
        lambda: sign_in_unlock(actor=request.user, username=username, address=address),
        f"Unlocked {username}." if username else f"Signing in from {address} is open again.",
        back,
    )
