"""Errors that services raise and views turn into JSON answers with the matching HTTP status."""

from __future__ import annotations

from typing import Any


class DeskError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class Invalid(DeskError):
    status, code = 400, "invalid"


class Unauthenticated(DeskError):
    status, code = 401, "unauthenticated"


class Forbidden(DeskError):
    status, code = 403, "forbidden"


class NotFound(DeskError):
    status, code = 404, "not_found"


class Conflict(DeskError):
    status, code = 409, "conflict"


class WindowClosed(Conflict):
    code = "window_closed"


class SnoozePastWindow(Conflict):
    """A snooze would outlive the messaging window: the desk offers the template notification."""

    code = "snooze_past_window"
