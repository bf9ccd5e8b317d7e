"""The operators' websocket: authenticate, subscribe, forward events from a cursor on.

Protocol (JSON frames):
- connect to /ws/desk/?cursor=N (N: the last cursor the page has seen; omit it to start now);
- the server replays every event after N the operator may see, in order, then forwards live
  ones; a cursor it cannot resume from (pruned, or from another desk) gets `desk.reload`;
- `desk.ping` from either side is answered with `desk.pong`; the server pings every
  DESK_HEARTBEAT_SECONDS and closes a socket that has said nothing for three intervals.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from operators.roles import Role, user_role
from realtime import pump
from realtime.selectors import cursor_is_resumable, cursor_latest, events_visible_after
from realtime.services import DESK_GROUP

CLOSE_FORBIDDEN = 4403
CLOSE_SILENT = 4408
CATCH_UP_PAGE = 500


class DeskConsumer(AsyncJsonWebsocketConsumer):
    groups = [DESK_GROUP]

    async def connect(self) -> None:
        user = self.scope.get("user")
        role = await database_sync_to_async(user_role)(user) if user is not None else None
        if role is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id: int = user.pk
        self.sees_everything = role in (Role.SUPERVISOR, Role.ADMIN)
        self.last_heard = time.monotonic()
        await self.accept()
        requested = _query_cursor(self.scope)
        await self._start_from(requested)
        self.heartbeat = asyncio.create_task(self._heartbeat())
        pump.follow(self)

    async def disconnect(self, code: int) -> None:
        pump.unfollow(self)
        task = getattr(self, "heartbeat", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def receive_json(self, content: Any, **kwargs) -> None:
        self.last_heard = time.monotonic()
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "desk.ping":
            await self.send_json({"type": "desk.pong", "cursor": self.cursor})
        elif kind == "desk.resume":
            await self._start_from(_as_cursor(content.get("cursor")))

    # --- events from the channel layer ----------------------------------------------------

    async def desk_event(self, message: dict[str, Any]) -> None:
        cursor = message["event"]["cursor"]
        if cursor <= self.cursor:
            return  # already sent during a catch-up
        if cursor > self.cursor + 1:
            # A push was lost or overtaken: everything up to this one is committed (events
            # commit in cursor order), so read the gap from the table.
            await self._catch_up(upto=cursor)
            return
        if self._visible(message.get("audience")):
            await self.send_json(message["event"])
        self.cursor = cursor

    async def desk_tick(self, message: dict[str, Any]) -> None:
        """The pump's note that this socket is behind: read the rest from the table."""
        if message["cursor"] > self.cursor:
            await self._catch_up(upto=message["cursor"])

    # --- helpers -----------------------------------------------------------------------------

    def _visible(self, audience: int | None) -> bool:
        return audience is None or self.sees_everything or audience == self.user_id

    async def _start_from(self, requested: int | None) -> None:
        latest = await database_sync_to_async(cursor_latest)()
        if requested is None:
            self.cursor = latest
        elif await database_sync_to_async(cursor_is_resumable)(requested):
            self.cursor = requested
            await self._catch_up(upto=latest)
        else:
            self.cursor = latest
            await self.send_json({"type": "desk.reload", "cursor": latest})
            return
        await self.send_json({"type": "desk.ready", "cursor": self.cursor})

    async def _catch_up(self, *, upto: int) -> None:
        while self.cursor < upto:
            events = await database_sync_to_async(events_visible_after)(
                cursor=self.cursor,
                upto=upto,
                user_id=self.user_id,
                sees_everything=self.sees_everything,
                limit=CATCH_UP_PAGE,
            )
            for event in events:
                await self.send_json(event)
            if len(events) < CATCH_UP_PAGE:
                self.cursor = upto
            else:
                self.cursor = events[-1]["cursor"]

    async def _heartbeat(self) -> None:
        interval = settings.DESK_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(interval)
            if time.monotonic() - self.last_heard > 3 * interval:
                await self.close(code=CLOSE_SILENT)
                return
            await self.send_json({"type": "desk.ping", "cursor": self.cursor})


def _as_cursor(value: Any) -> int | None:
    try:
        cursor = int(value)
    except (TypeError, ValueError):
        return None
    return cursor if cursor >= 0 else None


def _query_cursor(scope: dict[str, Any]) -> int | None:
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return _as_cursor(query.get("cursor", [None])[0])
