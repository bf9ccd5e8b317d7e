"""Of operators claiming the same conversation at the same moment, exactly one wins."""

import threading

import pytest
from django.db import connection, connections

from callbacks.services import callback_receive
from conversations.actions import conversation_claim
from conversations.models import Conversation, ConversationState
from operator_desk.errors import Conflict
from operators.roles import Role
from operators.services import operator_set_up
from tests.support.fixtures import handover, signed

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 50
CLAIMANTS = 4


def claim_at_once(conversation_id: int, users) -> list[str]:
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def claim(user) -> None:
        barrier.wait()
        try:
            conversation_claim(conversation_id=conversation_id, user=user)
            outcomes.append(f"won:{user.pk}")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_fifty_claim_races_have_one_winner_each():
    users = [
        operator_set_up(username=f"racer{n}", password="pw-racer-123", role=Role.AGENT)
        for n in range(CLAIMANTS)
    ]
    for trial in range(TRIALS):
        callback_receive(body=signed(handover(f"race{trial}", contact_id=f"{trial:024d}")))
        conversation = Conversation.objects.get(platform_id=f"race{trial}")
        outcomes = claim_at_once(conversation.pk, users)
        winners = [o for o in outcomes if o.startswith("won")]
        assert len(outcomes) == CLAIMANTS, outcomes
        assert len(winners) == 1, (trial, outcomes)
        conversation.refresh_from_db()
        assert conversation.state == ConversationState.ASSIGNED
        assert f"won:{conversation.assignee_id}" == winners[0]
    assert connection.vendor in ("sqlite", "postgresql")
