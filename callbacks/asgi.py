"""POST /fromni/callback/ answered straight from ASGI, ahead of Django's middleware.

The platform waits for this answer on every callback, and it is the desk's busiest route; none
of the middleware means anything to it (no session, user, CSRF token, locale, page or static
file). Taking the request here leaves one hop to the database thread instead of one per
middleware (bench/callbacks.py measures both). What the route does with a body is
`callback_intake`, as in the Django view; Django's request signals still run around it, so
database connections are checked and closed as they would be for a view.

Group commit: bodies that arrive while a commit is under way wait for it to end and are stored
together in the next one (`callbacks_intake`). Each is answered only once it is durable.

With CALLBACK_SERVER_TIMING on (bench/callbacks.py), each answer says in a Server-Timing
header where its time went inside this process: waiting for the commit before it, handing the
batch to the database thread, the pool's checkout, the statements, the rest of the store (the
body's parsing and the COMMIT), and the way back to the event loop. Whatever the client measured
beyond that was spent outside: in daphne's HTTP, the kernel, and the client's own scheduling.

While the database is down, a batch gets no connection (the pool gives up after
DATABASE_POOL_TIMEOUT): it and every body that queued meanwhile are answered 503 at once, so
the platform hears within its 5 s delivery timeout and sends them again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.db import connection
from django.utils import timezone

from callbacks.intake import (
    MAX_BODY_BYTES,
    Answer,
    callbacks_intake,
    declared_length_refusal,
    server_error,
)
from callbacks.views import unavailable
from operator_desk.db import keep_connection
from operator_desk.outage import Outage, database_unavailable

log = logging.getLogger(__name__)


# A batch larger than this waits for the next commit: bounds the time one transaction holds
# SQLite's write lock (the applier needs it too).
BATCH_LIMIT = 64


def _intake_as_a_request(
    raws: list[bytes], arrivals: list[datetime], stages: dict[str, float] | None = None
) -> list[Answer]:
    """`stages`: filled in with where the batch's time went (perf_counter seconds), if given."""
    started = time.perf_counter()
    statements = [0.0]
    signals.request_started.send(sender=CallbackEndpoint)
    try:
        keep_connection()  # the intake's thread is its own, for the life of the process
        connection.ensure_connection()  # raises at once when the database cannot be had
        connected = time.perf_counter()
        timed = connection.execute_wrapper(_timer(statements)) if stages is not None else None
        with timed or contextlib.nullcontext():
            answers = callbacks_intake(raws, arrivals)
        stored = time.perf_counter()
    finally:
        signals.request_finished.send(sender=CallbackEndpoint)
    if stages is not None:
        stages.update(
            started=started,
            pool=connected - started,
            sql=statements[0],
            commit=stored - connected - statements[0],
            release=time.perf_counter() - stored,
            ended=time.perf_counter(),
        )
    return answers


def _timer(total: list[float]) -> Callable[..., Any]:
    """An execute wrapper that adds each statement's time to total[0]."""

    def timer(execute: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(*args)
        finally:
            total[0] += time.perf_counter() - start

    return timer


# The intake's own database thread (and connection). In Django's one thread for async code
# it queued with the sockets' reads of their gaps and the relay's reads of new events, so
# frames waited behind callback commits (bench/latency.py; the figures are in
# docs/benchmarks.md, "Figures behind the code").
_INTAKE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callback-intake")


@dataclass(slots=True)
class _Waiting:
    """A body waiting for its commit."""

    raw: bytes
    arrived_at: datetime
    answer: asyncio.Future[Answer]
    stages: dict[str, float] | None  # to fill in (timed), in ms
    submitted: float  # perf_counter


class GroupCommit:
    """Bodies submitted while a batch is being stored go together in the next one, which
    `store` (run in the intake's database thread) answers body by body, given the bodies and
    when each arrived. `timed`: `store` also takes `stages=` (as `_intake_as_a_request`), and
    each body's stages are put in the dict it was submitted with."""

    def __init__(self, store: Callable[..., list[Answer]], *, timed: bool = False) -> None:
        self._store = sync_to_async(store, thread_sensitive=False, executor=_INTAKE_THREAD)
        self.timed = timed
        self._queue: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None
        self.outage = Outage("database (callback endpoint)", log)

    async def submit(
        self,
        raw: bytes,
        arrived_at: datetime | None = None,
        stages: dict[str, float] | None = None,
    ) -> Answer:
        """`stages` (when `timed`): filled in with the body's stages, in milliseconds."""
        future = asyncio.get_running_loop().create_future()
        waiting = _Waiting(raw, arrived_at or timezone.now(), future, stages, time.perf_counter())
        self._queue.append(waiting)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._queue:
                batch, self._queue = self._queue[:BATCH_LIMIT], self._queue[BATCH_LIMIT:]
                taken = time.perf_counter()
                stages: dict[str, float] | None = {} if self.timed else None
                try:
                    raws, arrivals = [w.raw for w in batch], [w.arrived_at for w in batch]
                    if stages is None:
                        answers = await self._store(raws, arrivals)
                    else:
                        answers = await self._store(raws, arrivals, stages=stages)
                except Exception as error:
                    if not database_unavailable(error):
                        raise
                    self.outage.failed(error)
                    # What queued while this batch waited for a connection would wait as long.
                    batch, self._queue = [*batch, *self._queue], []
                    answers = [unavailable()] * len(batch)
                else:
                    self.outage.recovered()
                    if stages:
                        _batch_stages(batch, stages, taken)
                for waiting, answer in zip(batch, answers, strict=True):
                    if not waiting.answer.done():  # done: its client hung up (the body is kept)
                        waiting.answer.set_result(answer)
                batch = []
        finally:
            # Only if storing failed or the server is stopping: nothing stored, all may re-send.
            unanswered, self._queue, self._flusher = [*batch, *self._queue], [], None
            for waiting in unanswered:
                if not waiting.answer.done():
                    waiting.answer.set_result(server_error())


def _batch_stages(batch: list[_Waiting], stages: dict[str, float], taken: float) -> None:
    """Each body's stages in ms, from its batch's (`_intake_as_a_request`)."""
    back = time.perf_counter()
    for waiting in batch:
        if waiting.stages is None:
            continue
        waiting.stages.update(
            queue=(taken - waiting.submitted) * 1000,  # behind the commit before it
            hop=(stages["started"] - taken) * 1000,  # into the database thread
            **{name: stages[name] * 1000 for name in ("pool", "sql", "commit", "release")},
            back=(back - stages["ended"]) * 1000,  # back to the event loop
            batch=len(batch),
            resolved=back,
        )


class CallbackEndpoint:
    """The ASGI application of the callback route (HTTP only)."""

    def __init__(self) -> None:
        self.timed = settings.CALLBACK_SERVER_TIMING
        self.group_commit = GroupCommit(_intake_as_a_request, timed=self.timed)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] != "POST":
            await self._answer(send, 405, None, extra=[(b"allow", b"POST")])
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        answer = declared_length_refusal(declared)
        extra: list[tuple[bytes, bytes]] = []
        if answer is None:
            start = time.perf_counter()
            arrived_at = timezone.now()
            raw = await self._body(receive)
            if raw is None:
                return  # the platform hung up; it will send the callback again
            stages: dict[str, float] | None = {} if self.timed else None
            answer = await self.group_commit.submit(raw, arrived_at, stages)
            if stages:
                extra.append((b"server-timing", _server_timing(stages, start)))
        await self._answer(send, *answer, extra=extra)

    @staticmethod
    async def _body(receive: Any) -> bytes | None:
        """The request body (reading stops past the limit: intake refuses it as too large), or
        None if the client hung up."""
        chunks, size = [], 0
        while size <= MAX_BODY_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _answer(
        send: Any, status: int, payload: dict[str, Any] | None, extra: list | None = None
    ) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            *(extra or []),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _server_timing(stages: dict[str, float], start: float) -> bytes:
    """The stages as a Server-Timing header (ms); `wake`: from the answer being ready to this
    request's coroutine running again; `total`: from the request's start to its answer."""
    now = time.perf_counter()
    resolved = stages.pop("resolved")
    stages = {**stages, "wake": (now - resolved) * 1000, "total": (now - start) * 1000}
    return ", ".join(f"{name};dur={value:.2f}" for name, value in stages.items()).encode()
