"""The operators' websocket: authenticate, subscribe, forward events from a cursor on.

Protocol (JSON frames):
- connect to /ws/desk/?cursor=N (N: the last cursor the page has seen; omit it to start now);
- the server replays every event after N the operator may see, in order, then forwards live
  ones; a cursor it cannot resume from (pruned, or from another desk) gets `desk.reload`;
- `desk.room.enter` / `desk.room.typing` / `desk.room.leave` with a `conversationId`: who else
  is in a conversation (realtime/rooms.py, docs/websocket.md); entering asks the domain's rule
  (conversations/rooms.py), typing costs no query;
- `desk.ping` from either side is answered with `desk.pong`. The page pings every
  DESK_HEARTBEAT_SECONDS; the server pings a socket only when it has heard nothing from it for
  one and a half intervals, and closes one that has said nothing for three.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import User

from conversations.connections import connection_ids_hidden_from
from conversations.rooms import may_join_room
from conversations.serializers import person_data
from desk import heartbeat
from operator_desk.db import database_sync_to_async
from operator_desk.outage import Outage, database_unavailable
from operators.access import role_reaches
from operators.roles import Role, user_role
from realtime import relay, rooms
from realtime.audience import Viewer, event_visible
from realtime.selectors import cursor_is_resumable, cursor_latest, events_visible_after
from realtime.services import ACCESS_CHANGED, event_text

log = logging.getLogger(__name__)

# The page's heartbeat as static/desk/js/socket.js sends it (JSON.stringify): on an idle desk
# nearly every frame a socket gets. Answered without decoding it (any other spelling takes the
# general path).
PING_FRAME = '{"type":"desk.ping"}'
CLOSE_FORBIDDEN = 4403
CATCH_UP_PAGE = 500
# A socket's typing is said to its room at most this often (seconds): a fast typist's frames
# in between go nowhere.
TYPING_EVERY = 1.0
MODES = ("reply", "note")
# The database away: every socket that needed it is closed (its page resumes), said once.
_catch_up_outage = Outage("database (sockets catching up)", log)


class DeskConsumer(AsyncJsonWebsocketConsumer):
    # No channel of its own either: the process's relay (realtime/relay.py) hands events over
    # in memory. On Redis a channel per socket is a subscription and a receive per socket, for
    # nothing the relay cannot do (bench/latency.py).
    channel_layer_alias = None  # an alias with no layer configured: Channels gives none

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Channels merges the client's frames with the consumer's own channel through
        # await_many_dispatch: a task and an asyncio.wait per frame. This consumer has no
        # channel (above), so it reads the client's frames directly.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            while True:
                await self.dispatch(await receive())

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first checks the database connections in a worker thread,
        # for every message: with 2,000 idle sockets that is 80 thread hops a second for the
        # heartbeats alone, about a third of the process's idle CPU (bench/idle.py). This
        # consumer reaches the database only through database_sync_to_async, which does that
        # check itself, in the thread it runs in.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        # Who signed in, as operator_desk/socket_auth.py found it from the session cookie;
        # what they may see, and their name for the rooms, read now in one thread hop.
        self.user_id: int | None = self.scope.get("user_id")
        if not await self._load_access(with_person=True):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.last_heard = time.monotonic()
        self.sending = asyncio.Lock()
        self.backlog: deque[list[dict[str, Any]]] = deque()
        self.backlog_reader: asyncio.Task[None] | None = None  # only while there is a backlog
        self.socket_id = uuid.uuid4().hex
        self.typing_said: dict[int, float] = {}  # conversation id -> when typing was last said
        await self.accept()
        requested = _query_cursor(self.scope)
        async with self.sending:
            await self._start_from(requested)
        heartbeat.watch(self)
        relay.follow(self)

    async def disconnect(self, code: int) -> None:
        relay.unfollow(self)
        heartbeat.forget(self)
        for conversation_id in list(getattr(self, "typing_said", ())):
            await self._room_leave(conversation_id)
        task = getattr(self, "backlog_reader", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def ping(self) -> None:
        """The server's ping (desk/heartbeat.py), to a socket it has not heard from."""
        await self.send(text_data=f'{{"type": "desk.ping", "cursor": {self.cursor}}}')

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        if message.get("text") == PING_FRAME:
            self.last_heard = time.monotonic()
            await self._pong()
            return
        await super().websocket_receive(message)

    async def receive_json(self, content: Any, **kwargs) -> None:
        self.last_heard = time.monotonic()
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "desk.ping":
            await self._pong()
        elif kind == "desk.resume":
            async with self.sending:
                await self._start_from(_as_cursor(content.get("cursor")))
        elif kind in ("desk.room.enter", "desk.room.typing", "desk.room.leave"):
            conversation_id = _as_cursor(content.get("conversationId"))
            if conversation_id:
                await self._room(kind, conversation_id, content.get("mode"))

    # --- rooms: who else is in a conversation ------------------------------------------------

    async def _room(self, kind: str, conversation_id: int, mode: Any) -> None:
        if kind == "desk.room.leave":
            await self._room_leave(conversation_id)
        elif kind == "desk.room.enter":
            # Entering again is the page's refresh: the rule is asked again (a colleague may
            # have taken the conversation since), once every few seconds, never per keystroke.
            allowed = await database_sync_to_async(may_join_room)(
                user_id=self.user_id, conversation_id=conversation_id
            )
            if not allowed:
                await self._room_leave(conversation_id)
                await self.send_json(
                    {"type": "desk.room.refused", "conversationId": conversation_id}
                )
                return
            await rooms.enter(self, conversation_id)
            self.typing_said.setdefault(conversation_id, 0.0)
            await self._room_say(conversation_id, "viewing")
        elif rooms.is_in(self, conversation_id):  # typing: no query, and not too often
            now = time.monotonic()
            if now - self.typing_said[conversation_id] < TYPING_EVERY:
                return
            self.typing_said[conversation_id] = now
            await self._room_say(conversation_id, "typing", mode if mode in MODES else None)

    async def _room_leave(self, conversation_id: int) -> None:
        if self.typing_said.pop(conversation_id, None) is None:
            return
        await self._room_say(conversation_id, "left")
        await rooms.leave(self, conversation_id)

    async def _room_say(self, conversation_id: int, activity: str, mode: str | None = None) -> None:
        frame = rooms.presence_frame(
            conversation_id=conversation_id, user=self.person, activity=activity, mode=mode
        )
        await rooms.say(self, frame)

    async def room_forward(self, frame: dict[str, Any]) -> None:
        """What another socket said in a room this one is in (realtime/rooms.py)."""
        await self.send_json(frame)

    # --- events ------------------------------------------------------------------------------
    #
    # The process's relay (realtime/relay.py) hands events over with `deliver`: pushed ones
    # as they come, and what the table has that the socket lacks. Anything needing the database
    # (a gap, an access change), or arriving while the socket is busy, waits in the socket's
    # backlog (`later`), read in order by a task of its own. `self.sending` makes claiming an
    # event (moving the cursor) and sending it one step, so the socket's frames stay in cursor
    # order.

    def later(self, messages: list[dict[str, Any]]) -> None:
        """Deliver these after what the socket is doing now, from its backlog."""
        self.backlog.append(messages)
        if self.backlog_reader is None or self.backlog_reader.done():
            self.backlog_reader = asyncio.create_task(self._read_backlog())

    async def _read_backlog(self) -> None:
        while self.backlog:
            messages = self.backlog.popleft()
            try:
                await self.deliver(messages, may_wait=True)
            except Exception as error:
                # The database is away, say: the page reconnects and resumes from its cursor.
                if database_unavailable(error):
                    _catch_up_outage.failed(error)
                else:
                    log.warning(
                        "socket of user %s could not catch up; closing",
                        self.user_id,
                        exc_info=True,
                    )
                await self.close()
                return
            _catch_up_outage.recovered()

    def pass_unseen(self, messages: list[dict[str, Any]]) -> bool:
        """Move the cursor past `messages` if none is for this socket, without a send or an
        await; False if deliver() must take them (one to send, a gap, an access change, a
        send under way). The relay calls this for every socket and every batch, so it stays
        a few attribute reads: most events are for one operator among hundreds."""
        if self.sending.locked():
            return False
        expected = self.cursor + 1
        for message in messages:
            event = message["event"]
            cursor = event["cursor"]
            if cursor < expected:
                continue  # already sent
            if cursor > expected or event["type"] == ACCESS_CHANGED:
                return False
            if self._visible(message):
                return False
            expected += 1
        self.cursor = expected - 1
        return True

    async def deliver(self, messages: list[dict[str, Any]], *, may_wait: bool) -> bool:
        """Send the events this socket may see and does not have yet, in order. When a gap
        or an access change needs the database and `may_wait` is false (the relay), stop and
        queue the rest in the socket's backlog instead. Returns False if it did."""
        async with self.sending:
            for index, message in enumerate(messages):
                event = message["event"]
                cursor = event["cursor"]
                if cursor <= self.cursor:
                    continue  # already sent
                gap = cursor > self.cursor + 1
                if (gap or event["type"] == ACCESS_CHANGED) and not may_wait:
                    self.later(messages[index:])
                    return False
                if gap:
                    # A push was lost or overtaken: everything up to this one is committed
                    # (events commit in cursor order), so read the gap from the table.
                    await self._catch_up(upto=cursor)
                    continue
                self.cursor = cursor
                if event["type"] == ACCESS_CHANGED and not await self._reload_access():
                    return True
                if self._visible(message):
                    # The frame the relay encoded once for every socket (a message from
                    # anywhere else is encoded here: the same text).
                    await self._send_text(message.get("text") or event_text(event))
        return True

    # --- helpers -----------------------------------------------------------------------------

    async def _send_text(self, text: str) -> None:
        # An event's frame, straight to the ASGI send the server gave the socket (through the
        # middleware's wrappers): Channels' send_json/send only encode and wrap this message,
        # two more coroutines per frame, 1,000 of each for a broadcast.
        await self.base_send({"type": "websocket.send", "text": text})

    async def _pong(self) -> None:
        await self.send(text_data=f'{{"type": "desk.pong", "cursor": {self.cursor}}}')

    def _visible(self, message: dict[str, Any]) -> bool:
        # Per event and on the event loop: the audience the event was stored with, applied to
        # what was loaded of the operator, never by a query.
        return event_visible(
            self.viewer,
            audience=message.get("audience"),
            connection_id=message.get("connection"),
            assignee_id=message.get("assignee"),
            previous_assignee_id=message.get("previous_assignee"),
        )

    async def _load_access(self, *, with_person: bool = False) -> bool:
        """Read the operator's role and the connections hidden from them (False: no longer an
        operator). At connect (with how rooms name them, in the same thread hop), and again on
        each desk.access_changed."""
        if self.user_id is None:
            return False
        if with_person:
            role, hidden, self.person = await database_sync_to_async(_operator_of)(self.user_id)
        else:
            role, hidden = await database_sync_to_async(_access_of)(self.user_id)
        if role is None:
            return False
        self.viewer = Viewer(
            user_id=self.user_id,
            sees_everything=role_reaches(role, Role.SUPERVISOR),
            hidden_connection_ids=hidden,
        )
        return True

    async def _reload_access(self) -> bool:
        if await self._load_access():
            return True
        await self.close(code=CLOSE_FORBIDDEN)
        return False

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
                self.viewer, cursor=self.cursor, upto=upto, limit=CATCH_UP_PAGE
            )
            for event in events:
                await self._send_text(event_text(event))
                if event["type"] == ACCESS_CHANGED:
                    # What follows was filtered with the old access: read it again.
                    self.cursor = event["cursor"]
                    if not await self._reload_access():
                        return
                    break
            else:
                if len(events) < CATCH_UP_PAGE:
                    self.cursor = upto
                else:
                    self.cursor = events[-1]["cursor"]


def _access_of(user_id: int) -> tuple[Role | None, frozenset[int]]:
    """The role of the user as stored now (deactivated or demoted since connecting?) and the
    connections whose queues are hidden from them."""
    return _access(User.objects.filter(pk=user_id).first())


def _operator_of(user_id: int) -> tuple[Role | None, frozenset[int], dict[str, Any] | None]:
    """_access_of, and the operator as rooms name them to the others."""
    user = User.objects.filter(pk=user_id).first()
    return *_access(user), person_data(user)


def _access(user: User | None) -> tuple[Role | None, frozenset[int]]:
    role = user_role(user) if user is not None else None
    if role is None or role_reaches(role, Role.SUPERVISOR):
        return role, frozenset()
    return role, connection_ids_hidden_from(user_id=user.pk)


def _as_cursor(value: Any) -> int | None:
    try:
        cursor = int(value)
    except (TypeError, ValueError):
        return None
    return cursor if cursor >= 0 else None


def _query_cursor(scope: dict[str, Any]) -> int | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return _as_cursor(query.get("cursor", [None])[0])
