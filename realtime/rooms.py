"""Conversation rooms: who else has a conversation open, or is typing in it.

Ephemeral by design: nothing of it touches the database. Each daphne process subscribes to a
conversation's group on the channel layer (`desk.room.<id>`) once, while any of its sockets is
in that room, and hands what is said there to those sockets in memory (as realtime/relay.py
does for events: one subscription per process, not per socket). What a socket says is a
presence with a time to live: the page says it again before it runs out, and forgets entries
not said again; leaving (or closing the socket) says `left` at once. Who may enter a room is
the domain's rule (conversations/rooms.py), asked by the socket before it enters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import defaultdict
from typing import Any, Protocol

from channels.layers import get_channel_layer

from operator_desk.outage import Outage

log = logging.getLogger(__name__)

ROOM_GROUP = "desk.room.{}"
PRESENCE = "desk.room.presence"
# Seconds an entry lasts unless said again: the page says "viewing" every VIEWING_TTL / 3 and
# "typing" at most every TYPING_TTL / 3 while keys are pressed (static/desk/js/rooms.js).
VIEWING_TTL = 30
TYPING_TTL = 6
# Group membership is renewed this often (the in-memory layer expires it).
REJOIN_SECONDS = 15.0


class Member(Protocol):
    socket_id: str

    async def room_forward(self, frame: dict[str, Any]) -> None: ...


def presence_frame(
    *, conversation_id: int, user: dict[str, Any], activity: str, mode: str | None = None
) -> dict[str, Any]:
    """What every socket in the room receives: `activity` is viewing, typing or left."""
    ttl = {"viewing": VIEWING_TTL, "typing": TYPING_TTL}.get(activity, 0)
    return {
        "type": PRESENCE,
        "conversationId": conversation_id,
        "user": user,
        "activity": activity,
        "mode": mode,
        "ttl": ttl,
    }


class _Hub:
    """A process's rooms on one event loop: the local sockets in each, one layer channel."""

    def __init__(self) -> None:
        self.rooms: dict[int, set[Member]] = defaultdict(set)
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.listener: asyncio.Task[None] | None = None

    async def channel_name(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self.listener = asyncio.create_task(self._listen())
        return self.channel

    async def _listen(self) -> None:
        outage = Outage("channel layer (rooms)", log)
        joined = time.monotonic()
        receiving: asyncio.Future | None = None
        try:
            while self.rooms:
                try:
                    if time.monotonic() - joined > REJOIN_SECONDS:
                        for conversation_id in list(self.rooms):
                            await self.layer.group_add(
                                ROOM_GROUP.format(conversation_id), self.channel
                            )
                        joined = time.monotonic()
                    if receiving is None:
                        receiving = asyncio.ensure_future(self.layer.receive(self.channel))
                    await asyncio.wait([receiving], timeout=REJOIN_SECONDS)
                    if not receiving.done():
                        continue
                    finished, receiving = receiving, None
                    message = finished.result()
                except Exception as error:  # the layer is away: presence pauses, nothing lost
                    outage.failed(error)
                    joined = 0.0
                    await asyncio.sleep(outage.pause())
                    continue
                outage.recovered()
                await self.hand_over(message.get("frame", {}), origin=message.get("origin"))
        finally:
            if receiving is not None:
                receiving.cancel()
            self.listener = None
            self.channel = None

    async def hand_over(self, frame: dict[str, Any], *, origin: str | None) -> None:
        for member in list(self.rooms.get(frame.get("conversationId"), ())):
            if member.socket_id != origin:
                with contextlib.suppress(Exception):  # a socket closing under us
                    await member.room_forward(frame)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Hub] = weakref.WeakKeyDictionary()


def _hub() -> _Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = _Hub()
    return hub


def is_in(member: Member, conversation_id: int) -> bool:
    return member in _hub().rooms.get(conversation_id, ())


async def enter(member: Member, conversation_id: int) -> None:
    """Put a socket in a conversation's room (the caller asked the rule first)."""
    hub = _hub()
    first = conversation_id not in hub.rooms
    hub.rooms[conversation_id].add(member)
    if hub.layer is not None and (first or hub.listener is None):
        await hub.layer.group_add(ROOM_GROUP.format(conversation_id), await hub.channel_name())


async def leave(member: Member, conversation_id: int) -> None:
    hub = _hub()
    members = hub.rooms.get(conversation_id)
    if members is None or member not in members:
        return
    members.discard(member)
    if not members:
        del hub.rooms[conversation_id]
        if hub.layer is not None and hub.channel is not None:
            with contextlib.suppress(Exception):
                await hub.layer.group_discard(ROOM_GROUP.format(conversation_id), hub.channel)


async def say(member: Member, frame: dict[str, Any]) -> None:
    """Tell every other socket in the frame's room, in every process."""
    hub = _hub()
    if hub.layer is None:  # no layer configured: this process's sockets only
        await hub.hand_over(frame, origin=member.socket_id)
        return
    try:
        await hub.layer.group_send(
            ROOM_GROUP.format(frame["conversationId"]),
            {"type": "desk.room", "frame": frame, "origin": member.socket_id},
        )
    except Exception as error:  # presence is best effort; the next refresh says it again
        log.info("room message not sent: %s", error)
