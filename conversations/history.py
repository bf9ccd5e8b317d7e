"""Loading the bot dialog that preceded a hand-over (the platform's Dialog messages method).

Background work: a burst of hand-overs must never hold back an operator's reply, so the loads
run on the background queue (operator_desk/queues.py), and a load never sleeps in the worker.
It makes one request; after an outage it is queued again with a backoff, ATTEMPTS tries in all.
A refusal (the platform does not know the dialog) is final.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from conversations.events import history_loaded_emit
from conversations.locks import platform_write
from conversations.models import Conversation, Message, MessageKind
from conversations.serializers import message_data
from fromni import models as platform
from fromni.errors import FromniError
from operator_desk import queues
from operator_desk.db import locked
from operator_desk.platform import platform_client

log = logging.getLogger(__name__)

# Tries in all, 2 s apart at first, doubling up to 2 minutes: a platform out for about four
# minutes still gets every history loaded.
ATTEMPTS = 8
FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 120.0


def history_enqueue(*, conversation_id: int, attempt: int = 1, delay: float = 0) -> None:
    run_after = timezone.now() + timedelta(seconds=delay) if delay else None
    load_history.using(run_after=run_after).enqueue(conversation_id, attempt)


def _retry_delay(attempt: int) -> float:
    # The jitter spreads the loads of a burst that failed together.
    delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempt - 1))
    return delay * random.uniform(0.8, 1.0)


@task(queue_name=queues.BACKGROUND)
def load_history(conversation_id: int, attempt: int = 1) -> int:
    platform_id = (
        Conversation.objects.filter(pk=conversation_id)
        .values_list("platform_id", flat=True)
        .first()
    )
    if platform_id is None:
        return 0
    try:
        messages = platform_client(retries=False).conversations_messages(platform_id)
    except FromniError as error:
        if attempt < ATTEMPTS and error.retryable:
            history_enqueue(
                conversation_id=conversation_id, attempt=attempt + 1, delay=_retry_delay(attempt)
            )
        log.warning(
            "history of conversation %s not loaded (attempt %d of %d): %s",
            conversation_id,
            attempt,
            ATTEMPTS,
            error,
        )
        return 0
    return history_record(conversation_id=conversation_id, messages=messages)


@platform_write
def history_record(*, conversation_id: int, messages: Sequence[platform.DialogMessage]) -> int:
    """Store the bot dialog that preceded the hand-over, once. Returns how many were new."""
    conversation = locked(Conversation.objects).get(pk=conversation_id)
    known_replies = set(
        conversation.messages.filter(kind=MessageKind.OUTGOING)
        .exclude(platform_message_id=None)
        .values_list("platform_message_id", flat=True)
    )
    created = []
    for item in messages:
        if str(item.id) in known_replies:
            continue
        if item.date is not None and item.date > conversation.queued_at:
            continue  # after the hand-over: part of the live dialog, not history
        message, new = Message.objects.get_or_create(
            conversation=conversation,
            dedupe_key=f"history:{item.id}",
            defaults={
                "kind": MessageKind.HISTORY,
                "text": item.text or "",
                "attachments": item.attachments,
                "created_at": item.date or conversation.queued_at,
                # Kept so the thread can tell the bot's lines from the user's.
                "delivery_detail": "out" if item.out else "in",
            },
        )
        if new:
            created.append(message_data(message))
    conversation.history_loaded_at = timezone.now()
    conversation.save(update_fields=["history_loaded_at", "updated_at"])
    if created:
        history_loaded_emit(conversation, created)
    return len(created)
