"""What the admin pages share: the gate (admins only) and how an action's outcome is told.

Every change is a POST with CSRF that redirects back (post/redirect/get) with a message; what
the platform refused is shown in its own words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from administration.refusals import refusal_text
from fromni.errors import FromniError
from operator_desk.errors import DeskError
from operators.access import role_required
from operators.roles import Role

# Anonymous visitors go to the login page, other roles get the 403 page.
admin_page = role_required(Role.ADMIN)

# What a failed action may raise: the platform's refusals and the desk's own.
ACTION_ERRORS = (FromniError, DeskError)


# The meaning in the admin's words, then the platform's own (administration/refusals.py).
error_text = refusal_text


def act(request: HttpRequest, action: Callable[[], Any], success: str, back: str) -> HttpResponse:
    """Run an action, say how it went, and go back (the message carries platform refusals)."""
    try:
        action()
    except ACTION_ERRORS as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success)
    return redirect(back)


def form_refused(request: HttpRequest, form: Form, back: str) -> HttpResponse:
    """Go back with what was wrong in the form as the message."""
    errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    messages.error(request, errors)
    return redirect(back)
