"""Fixtures for the desk's tests: operators, callback bodies built from the platform's samples."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

import fromni
from callbacks.services import callbacks_apply_pending
from operators.roles import Role
from operators.services import operator_set_up

# The platform reference's sample bodies, carried here: the suite must not depend on files
# outside the repository.
SAMPLES = Path(fromni.__file__).resolve().parent / "samples"
PASSWORD = "correct-horse-battery"


def sample(kind: str) -> dict[str, Any]:
    """The platform's sample body of a callback kind (fromni/samples/)."""
    return json.loads((SAMPLES / f"{kind}.json").read_text())


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def handover(
    conversation_id: str = "5f3cd834e8aadd00137359aa",
    *,
    expires_in: float = 600,
    contact_id: str = "5f3cd6d49ed4e10013083db0",
    channel: str = "whatsapp",
    connection_id: int = 1,
) -> dict[str, Any]:
    body = sample("conversation_operator_requested")
    data = body["data"]
    data["id"] = conversation_id
    data["operatorMode"]["expiresAt"] = iso(datetime.now(UTC) + timedelta(seconds=expires_in))
    data["contact"]["id"] = contact_id
    data["connection"].update(id=connection_id, channel=channel)
    return body


def incoming(conversation_id: str = "5f3cd834e8aadd00137359aa", text: str = "Hello") -> dict:
    body = sample("conversation_message_created")
    body["data"].update(conversationId=conversation_id)
    body["data"]["message"] = {"text": text, "attachments": []}
    return body


def status_update(conversation_id: str, message_id: Any, status: str) -> dict:
    body = sample("conversation_message_updated")
    body["data"] = {"conversationId": conversation_id, "messageId": message_id, "status": status}
    return body


def signed(body: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    signed_body = copy.deepcopy(body)
    signed_body["secret"] = settings.FROMNI_CALLBACK_SECRET if secret is None else secret
    return signed_body


@pytest.fixture
def post_callback(client) -> Callable[..., Any]:
    """POST a body to the callback endpoint, with the right secret unless told otherwise."""

    def post(body: Any, *, secret: str | None = None, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(signed(body, secret))
        response = client.post("/fromni/callback/", data=data, content_type="application/json")
        # What the applier thread does after commit; here, in the test's own transaction.
        callbacks_apply_pending()
        return response

    return post


def _operator(username: str, role: Role) -> User:
    return operator_set_up(
        username=username, password=PASSWORD, role=role, first_name=username.title()
    )


@pytest.fixture
def agent(db) -> User:
    return _operator("agent", Role.AGENT)


@pytest.fixture
def other_agent(db) -> User:
    return _operator("other", Role.AGENT)


@pytest.fixture
def supervisor(db) -> User:
    return _operator("supervisor", Role.SUPERVISOR)


@pytest.fixture
def admin_user(db) -> User:
    return _operator("admin", Role.ADMIN)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
