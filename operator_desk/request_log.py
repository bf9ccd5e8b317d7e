"""What django.request logs of an answer the desk gives on purpose.

Django logs a refused request (PermissionDenied: 403) with the exception's traceback, as if it
were a fault; the desk refuses on purpose (a role's page, a hidden conversation), so the line
stays and the traceback goes: a log an operator's clicks can fill is read by nobody."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
