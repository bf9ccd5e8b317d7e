"""Who may enter a conversation's room (realtime/rooms.py: who else is viewing it or typing in
it): exactly who may see the conversation (conversations.selectors.conversations_visible).
Asked by the socket when it enters and each time the page says it is still there, never per
keystroke."""

from __future__ import annotations

from django.contrib.auth.models import User

from conversations.selectors import conversations_visible


def may_join_room(*, user_id: int, conversation_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return conversations_visible(user).filter(pk=conversation_id).exists()
