"""The Conversations section: dialogs, their history, and the operator's message."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..models import Conversation, DialogMessage, Page, SendResult
from . import bodies
from .answers import Answers
from .paging import Paging


class ConversationMethods(Answers, Paging):
    def conversations_list(self, offset: int = 0, limit: int = 10) -> Page[Conversation]:
        """A page of dialogs (all of them: `iter_conversations`)."""
        body = bodies.paging(offset, limit, "conversations_list")
        return self._page("conversations_list", body, Conversation)

    def iter_conversations(self, *, page_size: int = 100) -> Iterator[Conversation]:
        """All dialogs, page by page."""
        return self.iterate(self.conversations_list, page_size=page_size)

    def conversations_messages(self, conversation_id: str) -> list[DialogMessage]:
        """The dialog's history with the bot (and the operator)."""
        body = {"conversationId": conversation_id}
        return self._list("conversations_messages", body, DialogMessage)

    def conversations_send(
        self, conversation_id: str, text: str | None, attachments: Sequence[Any] = ()
    ) -> SendResult:
        """Send the operator's message. Never retried: on FromniTransportError check
        `maybe_delivered` before sending again."""
        body = {"conversationId": conversation_id, "message": bodies.message(text, attachments)}
        return self._one("conversations_send", body, SendResult)
