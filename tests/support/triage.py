"""Fixtures of the labels, priority and bulk actions tests (issue 17): queued conversations from
real hand-over callbacks, and labels (signed-in clients: tests/support/clients.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conversations.labels import label_create
from conversations.models import Conversation, Label
from tests.support.fixtures import handover


@pytest.fixture
def queued(post_callback) -> Callable[..., Conversation]:
    """A queued conversation by a hand-over callback; each its own contact."""

    def make(platform_id: str, **options: Any) -> Conversation:
        contact = f"{abs(hash(platform_id)) % 10**24:024d}"
        response = post_callback(handover(platform_id, contact_id=contact, **options))
        assert response.status_code == 200, response.content
        return Conversation.objects.get(platform_id=platform_id)

    return make


@pytest.fixture
def label(admin_user) -> Callable[..., Label]:
    def make(name: str, colour: str = "blue", description: str = "") -> Label:
        return label_create(actor=admin_user, name=name, colour=colour, description=description)

    return make
