"""Probing the platform account the desk is configured for (fromni.probe): read-only calls,
reported per path, with the reading of the reference the account uses. Run from the account
page's button and from `manage.py fromni_probe`; each run is audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from audit.services import audit_record
from conversations.models import Message, MessageKind
from fromni.client import FromniClient
from fromni.probe import ProbeReport, probe

PROBE_TARGET = "setting:platform"


def known_reply() -> tuple[str, str] | None:
    """(dialog id, messageId) of the latest reply the platform took: the probe looks for it in
    conversations/messages to tell whether that list shows the operator's sends."""
    reply = (
        Message.objects.filter(kind=MessageKind.OUTGOING)
        .exclude(platform_message_id=None)
        .select_related("conversation")
        .order_by("-pk")
        .first()
    )
    if reply is None:
        return None
    return reply.conversation.platform_id, str(reply.platform_message_id)


def platform_probe(*, actor: User | None, via: str) -> ProbeReport:
    """Probe the account with the configured URL and token, and audit the run (`via`: the
    page or the command). Never changes anything on the platform."""
    hint = known_reply()
    # No retries: a refusal is what the probe reports, not something to ask again.
    with FromniClient(
        settings.FROMNI_BASE_URL,
        settings.FROMNI_API_TOKEN,
        connect_timeout=settings.FROMNI_CONNECT_TIMEOUT,
        read_timeout=settings.FROMNI_READ_TIMEOUT,
        max_retries=0,
    ) as client:
        report = probe(client, known_reply=hint)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="platform.probe",
            target=PROBE_TARGET,
            via=via,
            paths=report.summary(),
            otherReadings=[r.question for r in report.readings if r.matches_default is False],
        )
    return report
