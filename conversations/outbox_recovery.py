"""The clock's care of the outbox (desk/clock.py): replies whose worker died mid-send are
checked, and replies whose task was lost get one again."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.models import DeliveryState, Message, MessageKind
from conversations.outbox import check_enqueue, outbox_enqueue, reply_delivery_set
from conversations.reply_order import heads
from operator_desk.db import locked

log = logging.getLogger(__name__)


@transaction.atomic
def replies_recover_stale(*, older_than: timedelta) -> int:
    """Replies stuck in `sending` (their worker died mid-send) go to `checking`."""
    cutoff = timezone.now() - older_than
    stuck = list(
        locked(Message.objects)
        .select_related("conversation", "conversation__assignee")
        .filter(delivery=DeliveryState.SENDING, sending_started_at__lt=cutoff)
    )
    for message in stuck:
        reply_delivery_set(
            message, DeliveryState.CHECKING, "The worker stopped while sending; checking."
        )
        transaction.on_commit(lambda pk=message.pk: check_enqueue(message_id=pk, delay=0))
    return len(stuck)


@transaction.atomic
def replies_requeue_unclaimed(*, older_than: timedelta) -> int:
    """Replies due for longer than `older_than` that no worker has claimed get a task again.

    Their task was lost (its worker died, or the database went away, after the task was taken
    and before the reply was claimed; or the database went away between the reply's commit and
    its task's) or no reply worker is running. A second task for the same reply is harmless:
    only one can claim it. Each is queued again at most once per `older_than`."""
    now = timezone.now()
    cutoff = now - older_than
    # Behind an earlier reply of its dialog is not lost: that one's end wakes it.
    turn = [head.pk for head in heads() if head.delivery == DeliveryState.QUEUED]
    unclaimed = list(
        locked(Message.objects)
        .filter(pk__in=turn, kind=MessageKind.OUTGOING, delivery=DeliveryState.QUEUED)
        .filter(Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at=None, created_at__lt=cutoff))
        .values_list("pk", flat=True)
    )
    if not unclaimed:
        return 0
    Message.objects.filter(pk__in=unclaimed).update(next_attempt_at=now)
    for pk in unclaimed:
        transaction.on_commit(lambda pk=pk: outbox_enqueue(message_id=pk))
    log.warning(
        "%d replies waited more than %.0f s for a worker; queued again (is a reply worker "
        "running?)",
        len(unclaimed),
        older_than.total_seconds(),
    )
    return len(unclaimed)
