"""Recording actions in the audit log, inside the transaction of the action itself."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from audit.models import AuditEntry


def audit_record(
    *, actor: User | None, action: str, target: str = "", **details: Any
) -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, action=action, target=target, details=details)
