"""Benchmark 3: idle sockets. 2,000 operators connected to one daphne process, doing nothing
but keeping the socket alive as the desk page does (a ping each heartbeat interval, at a phase
of its own, and an answer to any ping of the server's): the process's memory and CPU, against
the same process with no socket (the baseline, same run). Targets: at most 300 MB RSS and
under 5 % of a core.

    .venv/bin/python -m bench.idle [--sockets 2000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

from bench.common import (
    BENCH_ENV,
    bench_database,
    django_setup,
    print_table,
    process_cpu_seconds,
    process_rss_mb,
    raise_file_limit,
)
from bench.operators import close_all, connect_all, make_operators
from desk.devstack import DeskStack


def cpu_percent(pid: int, seconds: float) -> float:
    started, cpu = time.monotonic(), process_cpu_seconds(pid)
    time.sleep(seconds)
    return (process_cpu_seconds(pid) - cpu) / (time.monotonic() - started) * 100


async def like_pages(operators, stop: asyncio.Event, heartbeat: float) -> None:
    """What static/desk/js/socket.js does on an idle desk."""

    async def stopped_within(seconds: float) -> bool:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def ping(operator) -> None:
        pause = random.uniform(0, heartbeat)
        while not await stopped_within(pause):
            await operator.socket.send('{"type":"desk.ping"}')  # JSON.stringify's bytes
            pause = heartbeat

    async def answer(operator) -> None:
        while not stop.is_set():
            try:
                frame = json.loads(await asyncio.wait_for(operator.socket.recv(), 1))
            except TimeoutError:
                continue
            if frame.get("type") == "desk.ping":
                await operator.socket.send('{"type":"desk.pong"}')

    tasks = [task(o) for o in operators for task in (ping, answer)]
    await asyncio.gather(*tasks)


async def hold(operators, pid: int, seconds: float) -> tuple[float, float]:
    from django.conf import settings

    await connect_all(operators)
    stop = asyncio.Event()
    answering = asyncio.create_task(like_pages(operators, stop, settings.DESK_HEARTBEAT_SECONDS))
    await asyncio.sleep(5)  # settle
    rss = process_rss_mb(pid)
    cpu = await asyncio.to_thread(cpu_percent, pid, seconds)
    rss = max(rss, process_rss_mb(pid))
    stop.set()
    await answering
    await close_all(operators)
    return rss, cpu


def extra_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith("DESK_")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    raise_file_limit()
    with bench_database("sqlite") as url:
        django_setup(url)
        with DeskStack(env={**BENCH_ENV, "DATABASE_URL": url, **extra_env()}) as stack:
            pid = stack.children[f"daphne:{stack.ports[0]}"].pid
            time.sleep(3)
            base_rss = process_rss_mb(pid)
            base_cpu = cpu_percent(pid, args.seconds)
            operators = make_operators(args.sockets, stack.urls, with_conversations=False)
            rss, cpu = asyncio.run(hold(operators, pid, args.seconds))
    per_socket_kb = (rss - base_rss) * 1024 / args.sockets
    print_table(
        "Idle sockets on one daphne process (bench 3)",
        ["sockets", "RSS MB", "CPU % of a core", "RSS per socket KB"],
        [[0, base_rss, base_cpu, ""], [args.sockets, rss, cpu, per_socket_kb]],
        module="bench.idle",
    )
    print(f"targets: RSS <= 300 MB (got {rss:.0f}), CPU < 5 % (got {cpu:.1f})")


if __name__ == "__main__":
    main()
