"""Loading the bot dialog that preceded a hand-over (the platform's Dialog messages method)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from conversations.models import Conversation
from conversations.services import history_record
from fromni.errors import FromniError
from operator_desk.platform import platform_client

log = logging.getLogger(__name__)

ATTEMPTS = 5


def history_enqueue(*, conversation_id: int, attempt: int = 1, delay: float = 0) -> None:
    run_after = timezone.now() + timedelta(seconds=delay) if delay else None
    load_history.using(run_after=run_after).enqueue(conversation_id, attempt)


@task()
def load_history(conversation_id: int, attempt: int = 1) -> int:
    platform_id = (
        Conversation.objects.filter(pk=conversation_id)
        .values_list("platform_id", flat=True)
        .first()
    )
    if platform_id is None:
        return 0
    try:
        messages = platform_client().conversations_messages(platform_id)
    except FromniError as error:
        if attempt < ATTEMPTS and error.retryable:
            history_enqueue(conversation_id=conversation_id, attempt=attempt + 1, delay=2**attempt)
        log.warning("history of conversation %s not loaded: %s", conversation_id, error)
        return 0
    return history_record(conversation_id=conversation_id, messages=messages)
