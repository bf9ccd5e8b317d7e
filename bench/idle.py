"""Benchmark 3: idle sockets. Operators connected to one daphne process, doing nothing but
keeping the socket alive as the desk page does (a ping each heartbeat interval, at a phase of
its own, and an answer to any ping of the server's): the process's memory, CPU and file
descriptors at each size, against the same process with no socket (the baseline, same run).
Targets: 2,000 sockets in at most 300 MB RSS and under 5 % of a core; 10,000 in at most 450 MB
and under 10 %.

    .venv/bin/python -m bench.idle [--sockets 2000,10000] [--seconds 30] [--quick] [--tracemalloc]

--tracemalloc: daphne traces its Python allocations (slower and bigger, so its RSS and CPU are
not the figures to quote) and a second table says, per socket, which files allocated what.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from pathlib import Path

from bench import allocations
from bench.common import (
    BENCH_ENV,
    bench_database,
    django_setup,
    print_table,
    process_cpu_seconds,
    process_rss_mb,
    raise_file_limit,
)
from bench.operators import Operator, close_all, connect_all, make_operators
from desk.devstack import DeskStack

# sockets: (RSS MB, CPU % of a core) at most (issue 19, point 3; docs/benchmarks.md).
TARGETS = {2000: (300, 5.0), 10_000: (450, 10.0)}
SETTLE_SECONDS = 5
PAGES_AT_ONCE = 500


def cpu_percent(pid: int, seconds: float) -> float:
    started, cpu = time.monotonic(), process_cpu_seconds(pid)
    time.sleep(seconds)
    return (process_cpu_seconds(pid) - cpu) / (time.monotonic() - started) * 100


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def file_limit(pid: int) -> int:
    """The process's soft limit on open files (what systemd's LimitNOFILE sets)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise RuntimeError("no open-file limit in /proc")


class LikePages:
    """What static/desk/js/socket.js does on an idle desk, for each connected operator: a
    ping each heartbeat, at a phase of its own, and a pong to each of the server's pings.
    Cheap on the client's side (one sleeping task and one reading task a socket, no timers
    polling), so the measured process is the server, not this one."""

    def __init__(self, heartbeat: float) -> None:
        self.heartbeat = heartbeat
        self.tasks: list[asyncio.Task] = []

    def add(self, operators: list[Operator]) -> None:
        for operator in operators:
            self.tasks.append(asyncio.create_task(self._ping(operator)))
            self.tasks.append(asyncio.create_task(self._answer(operator)))

    async def _ping(self, operator: Operator) -> None:
        await asyncio.sleep(random.uniform(0, self.heartbeat))
        while True:
            await operator.socket.send('{"type":"desk.ping"}')  # JSON.stringify's bytes
            await asyncio.sleep(self.heartbeat)

    async def _answer(self, operator: Operator) -> None:
        async for raw in operator.socket:
            if '"desk.ping"' in raw:
                await operator.socket.send('{"type":"desk.pong"}')

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def hold(
    operators: list[Operator],
    sizes: list[int],
    pid: int,
    seconds: float,
    snapshots: str | None = None,
) -> tuple[list, dict[int, dict[str, float]]]:
    """Connect the operators in steps up to each size; at each, measure the settled process
    (with `snapshots`, the file daphne writes its tracemalloc snapshots to: also KB per socket
    by allocating file, against the process before the first socket)."""
    from django.conf import settings

    pages = LikePages(settings.DESK_HEARTBEAT_SECONDS)
    rows, connected, traced = [], 0, {}
    base = await asyncio.to_thread(allocations.snapshot, pid, snapshots) if snapshots else None
    for size in sizes:
        # A page pings from the moment it connects: in steps of a few hundred, or on a loaded
        # machine the first of thousands waited silent long enough to be closed (4408).
        for start in range(connected, size, PAGES_AT_ONCE):
            batch = operators[start : min(start + PAGES_AT_ONCE, size)]
            # Traced, daphne is slow enough that fifty connects at once outlast its accept
            # timeout.
            await connect_all(batch, concurrency=10 if snapshots else 50)
            pages.add(batch)
        connected = size
        await asyncio.sleep(SETTLE_SECONDS)
        rss = process_rss_mb(pid)
        files = open_files(pid)
        cpu = await asyncio.to_thread(cpu_percent, pid, seconds)
        rows.append((size, max(rss, process_rss_mb(pid)), cpu, max(files, open_files(pid))))
        if base is not None:
            now = await asyncio.to_thread(allocations.snapshot, pid, snapshots)
            traced[size] = allocations.per_file_kb(base, now, size)
    await pages.stop()
    await close_all(operators)
    return rows, traced


def print_allocations(traced: dict[int, dict[str, float]], top: int = 14) -> None:
    """The files that allocated most per socket at the largest size, then the rest."""
    largest = max(traced)
    ranked = sorted(traced[largest], key=traced[largest].get, reverse=True)
    shown = ranked[:top]
    rows = [[name, *(traced[size].get(name, 0.0) for size in traced)] for name in shown]
    rows.append(
        ["the rest", *(sum(kb.get(n, 0.0) for n in ranked[top:]) for kb in traced.values())]
    )
    rows.append(["total", *(sum(kb.values()) for kb in traced.values())])
    print_table(
        "Python allocations per socket, by file (tracemalloc in daphne, bench 3)",
        ["allocated in", *(f"KB per socket at {size}" for size in traced)],
        rows,
        module="bench.idle",
    )


def extra_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("DESK_")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", default="2000,10000", help="sizes, comma-separated")
    parser.add_argument("--seconds", type=float, default=30, help="CPU measured over this")
    parser.add_argument("--quick", action="store_true", help="200 and 1,000 sockets, 8 s")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also where daphne's Python memory goes"
    )
    args = parser.parse_args()
    sizes = [200, 1000] if args.quick else sorted(int(n) for n in args.sockets.split(","))
    seconds = 8 if args.quick else args.seconds
    raise_file_limit()  # the bench's own sockets; daphne inherits the same limit
    env = {**BENCH_ENV, **extra_env()}
    snapshots = None
    if args.tracemalloc:
        snapshots = str(Path("var/idle-tracemalloc.snapshot").resolve())
        env |= {"PYTHONTRACEMALLOC": "1", allocations.ENV: snapshots}
    with bench_database("sqlite") as url:
        django_setup(url)
        with DeskStack(env={**env, "DATABASE_URL": url}) as stack:
            pid = stack.children[f"daphne:{stack.ports[0]}"].pid
            time.sleep(3)
            base = (0, process_rss_mb(pid), cpu_percent(pid, seconds), open_files(pid))
            limit = file_limit(pid)
            operators = make_operators(max(sizes), stack.urls, with_conversations=False)
            measured, traced = asyncio.run(hold(operators, sizes, pid, seconds, snapshots))
    from django.conf import settings

    rows = [[0, base[1], base[2], "", base[3], ""]]
    for size, rss, cpu, files in measured:
        per_socket_kb = (rss - base[1]) * 1024 / size
        rows.append([size, rss, cpu, per_socket_kb, files, (files - base[3]) / size])
    print_table(
        "Idle sockets on one daphne process (bench 3)",
        [
            "sockets",
            "RSS MB",
            "CPU % of a core",
            "RSS per socket KB",
            "open files",
            "files per socket",
        ],
        rows,
        module="bench.idle",
    )
    print(
        f"heartbeat {settings.DESK_HEARTBEAT_SECONDS:g} s; daphne's open-file limit in this run "
        f"{limit} (deploy/operator-desk-web@.service sets LimitNOFILE=65536)"
    )
    if traced:
        print_allocations(traced)
        print("(traced: this run's RSS and CPU include tracemalloc's own cost)")
    for size, rss, cpu, files in measured:
        if files - base[3] < size:  # a figure for fewer sockets than it says
            print(f"{size} sockets: only {files - base[3]} were open when measured")
        if size in TARGETS:
            most_rss, most_cpu = TARGETS[size]
            met = rss <= most_rss and cpu < most_cpu
            print(
                f"{size} sockets: RSS {rss:.0f} MB (target <= {most_rss}), CPU {cpu:.1f} % "
                f"(target < {most_cpu:g}): {'met' if met else 'missed'}"
            )


if __name__ == "__main__":
    main()
