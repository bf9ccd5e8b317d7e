"""Handlers of the /user/ API methods, one module per section of the reference.

`ALL` maps every method name of `fromni.methods.METHODS` to its handler; `fromni.sandbox.api`
refuses to start if the two ever differ, so the sandbox serves exactly the method table.
"""

from __future__ import annotations

from . import campaigns, contacts, conversations, deals, notifications, settings, storage, templates
from .base import Handler

ALL: dict[str, Handler] = {
    **campaigns.HANDLERS,
    **contacts.HANDLERS,
    **conversations.HANDLERS,
    **deals.HANDLERS,
    **notifications.HANDLERS,
    **settings.HANDLERS,
    **storage.HANDLERS,
    **templates.HANDLERS,
}
