"""The one gate of every route that addresses a conversation or one of its messages.

What the caller may not see (conversations.selectors.conversations_visible: a queue restricted
to others, a colleague's conversation) is a 404 with the same body as for an id that does not
exist, before the route's own checks: a 409 "claim it first" or a 403 "assigned to Anna" would
tell an agent that the conversation exists, and a note would be written where they cannot
read it. tests/test_permissions.py tries every such route of the URLconf.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from conversations.selectors import conversation_seen, message_seen


def visible_conversation_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For views under operator_desk.api.api_view (which answers the NotFound), taking
    `conversation_id` or `message_id` from the URL."""
    parameters = inspect.signature(view).parameters
    if "conversation_id" in parameters:

        def check(request: HttpRequest, kwargs: dict[str, Any]) -> None:
            conversation_seen(user=request.user, conversation_id=kwargs["conversation_id"])

    elif "message_id" in parameters:

        def check(request: HttpRequest, kwargs: dict[str, Any]) -> None:
            message_seen(user=request.user, message_id=kwargs["message_id"])

    else:
        raise TypeError(f"{view.__name__} addresses no conversation or message")

    @functools.wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        check(request, kwargs)
        return view(request, *args, **kwargs)

    return gated
