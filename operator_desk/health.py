"""GET /healthz: is the database answering, and does the channel layer carry a message?"""

from __future__ import annotations

import asyncio
import time
import weakref

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

# Both checks run side by side and give up after this: a probe (or the platform's view of the
# desk through a load balancer) gets its 503 quickly. A database that is down fails sooner,
# when the pool has no connection to give (DATABASE_POOL_TIMEOUT).
CHECK_TIMEOUT = 2.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


# One probe channel per process and loop, reused by the next check: on the pub/sub layer a
# channel is a subscription, and one per check would pile up for the life of the process. A
# failed check forgets its channel (a cancelled receive may have unsubscribed it).
_probe_channels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, str] = (
    weakref.WeakKeyDictionary()
)


async def _check_channel_layer() -> None:
    # A round trip through the layer proves more than a ping: the same path events take.
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    loop = asyncio.get_running_loop()
    channel = _probe_channels.pop(loop, None) or await layer.new_channel()
    await layer.send(channel, {"type": "healthz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("the channel layer returned another message")
    _probe_channels[loop] = channel


async def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT)
    except Exception as exc:  # any failure is the answer, not a crash
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    database, channel_layer = await asyncio.gather(
        _timed(sync_to_async(_check_database, thread_sensitive=True)),
        _timed(_check_channel_layer),
    )
    healthy = database["ok"] and channel_layer["ok"]
    return JsonResponse(
        {"ok": healthy, "database": database, "channel_layer": channel_layer},
        status=200 if healthy else 503,
    )
