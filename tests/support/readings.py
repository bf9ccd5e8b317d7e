"""Helpers for tests that run the desk against a reading of the reference's ambiguities, as the
sandbox plays it (fromni/sandbox/variants.py, docs/platform.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conversations.models import Conversation
from fromni.sandbox.process import SandboxProcess
from fromni.sandbox.receiver import CallbackReceiver

# The spellings a real account may use where the reference shows one (the sandbox's switches).
SPELLINGS: dict[str, dict[str, Any]] = {
    "as the reference shows": {},
    "null for empty": {"nullEmpty": True},
    "numeric ids": {"numericIds": True},
    "whatsapp": {"whatsappName": "whatsapp"},
    "attachments as urls": {"attachmentsAsUrls": True},
}
ALL_SPELLINGS = {
    "nullEmpty": True,
    "numericIds": True,
    "whatsappName": "whatsapp",
    "attachmentsAsUrls": True,
    "connectionsAsList": True,
}
# How pages may come when the reference's "limit" is read the other way.
PAGINGS: dict[str, dict[str, Any]] = {
    "a cap below the limit": {"pageCap": 3},
    "limit default 10": {"defaultLimit": 10},
    "both": {"pageCap": 3, "defaultLimit": 10},
}


def reading(sandbox: SandboxProcess, **settings: Any) -> dict[str, Any]:
    """Switch the sandbox to a reading (reset restores the default one)."""
    return sandbox.control("POST", "variants", settings)


def requests_since(sandbox: SandboxProcess, since: int = 0) -> list[dict[str, Any]]:
    return sandbox.control("GET", "requests")["data"][since:]


def deliver(
    receiver: CallbackReceiver, post_callback: Callable[..., Any], kind: str, count: int = 1
) -> list[Any]:
    """The sandbox's callbacks of `kind` (waited for), posted to the desk's endpoint as the
    platform sent them; the desk's answers."""
    bodies = receiver.wait_for_kind(kind, count=count, timeout=10)
    return [post_callback(body) for body in bodies]


def handed_over(
    sandbox: SandboxProcess,
    receiver: CallbackReceiver,
    post_callback: Callable[..., Any],
    **spec: Any,
) -> tuple[dict[str, Any], Conversation]:
    """A dialog the sandbox hands to an operator, taken by the desk from its own callbacks."""
    started = sandbox.control("POST", "conversations", spec)
    for answer in deliver(receiver, post_callback, "conversation_operator_requested"):
        assert answer.status_code == 200, answer.content
    body = receiver.bodies("conversation_operator_requested")[-1]
    return started, Conversation.objects.get(platform_id=str(body["data"]["id"]))
