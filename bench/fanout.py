"""Benchmark 6: broadcast fan-out. One queue event every agent may see, to 250, 1,000 and 2,000
connected agents.

A new dialog is handed over (the platform's callback, POSTed to the first daphne), so the
applier commits a `desk.conversation_queued` event that every agent's socket gets. Measured per
event: from the event's creation in the applier's transaction (just before its commit; the
frame's `at`) to the first, the median and the last socket's frame, and from the callback's
POST to the last frame; p50 and p99 over the events. Cost: the daphne processes' CPU per
socket frame (minus their idle CPU over the same time, measured just before), and the latency
slope between sizes. One daphne on the in-memory layer (SQLite), and two on Redis (PostgreSQL),
the agents split between them. The agents are this process's websocket clients (one event
loop); the client's own CPU per frame is shown too, since it shares the machine.
Targets: last frame p99 <= 50 ms at 1,000 sockets on one process, <= 60 ms on two; cost linear
in sockets.

    .venv/bin/python -m bench.fanout [--quick] [--setup memory|redis|both]
        [--sizes 250,1000,2000] [--events 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import datetime

import requests

from bench.common import (
    BENCH_ENV,
    REDIS_URL,
    bench_database,
    django_setup,
    handover_body,
    load_average,
    percentile,
    print_table,
    process_cpu_seconds,
    raise_file_limit,
)
from bench.operators import RETRIES, close_all, connect_all, make_operators
from bench.operators import frames as socket_frames
from desk.devstack import DeskStack

EVENT_SPACING = 0.5  # seconds between two hand-overs: each event's fan-out ends before the next
QUEUED = '"desk.conversation_queued"'


async def read_frames(
    operator, arrivals: dict[str, list[float]], created: dict[str, str], frames: list[int], stop
) -> None:
    """Record when each queued event reached this socket."""
    async for at, raw in socket_frames(operator, stop):
        frames[0] += 1
        if QUEUED in raw:
            frame = json.loads(raw)
            platform_id = frame["data"]["conversation"]["platformId"]
            arrivals.setdefault(platform_id, []).append(at)
            created.setdefault(platform_id, frame["at"])


def daphne_cpu(stack: DeskStack) -> float:
    return sum(
        process_cpu_seconds(child.pid)
        for name, child in stack.children.items()
        if name.startswith("daphne:")
    )


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(stack: DeskStack, operators, events: int, label: str) -> dict:
    """`events` hand-overs EVENT_SPACING apart, with every socket of `operators` reading."""
    arrivals: dict[str, list[float]] = {}
    created_at: dict[str, str] = {}
    frames = [0]
    stop = asyncio.Event()
    readers = [
        asyncio.create_task(read_frames(o, arrivals, created_at, frames, stop)) for o in operators
    ]
    window = events * EVENT_SPACING
    # The idle cost over the same time, sockets connected and reading.
    idle_start = daphne_cpu(stack)
    await asyncio.sleep(window)
    idle = daphne_cpu(stack) - idle_start
    frames[0] = 0
    posted: dict[str, float] = {}
    busy_start, client_start = daphne_cpu(stack), own_cpu()
    session = requests.Session()
    started = time.perf_counter()
    for n in range(events):
        platform_id = f"{label}-{n:04d}"
        body = handover_body(platform_id, contact_id=f"{hash(platform_id) & (2**96 - 1):024x}")
        await asyncio.sleep(max(0.0, started + n * EVENT_SPACING - time.perf_counter()))
        posted[platform_id] = time.time()
        response = await asyncio.to_thread(
            session.post, f"{stack.url}/fromni/callback/", json=body, timeout=10
        )
        response.raise_for_status()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        len(arrivals.get(p, ())) < len(operators) for p in posted
    ):
        await asyncio.sleep(0.1)
    busy = daphne_cpu(stack) - busy_start
    client = own_cpu() - client_start
    stop.set()
    await asyncio.gather(*readers)
    created = {key: datetime.fromisoformat(at).timestamp() for key, at in created_at.items()}
    first, middle, last, from_post = [], [], [], []
    missing = 0
    for platform_id, sent in posted.items():
        times = sorted(arrivals.get(platform_id, ()))
        missing += len(operators) - len(times)
        if not times:
            continue
        base = created[platform_id]
        first.append((times[0] - base) * 1000)
        middle.append((times[len(times) // 2] - base) * 1000)
        last.append((times[-1] - base) * 1000)
        from_post.append((times[-1] - sent) * 1000)
    frames = max(1, frames[0])  # every frame the sockets got (a hand-over brings more than one)
    return {
        "first": percentile(first, 50),
        "middle": percentile(middle, 50),
        "last50": percentile(last, 50),
        "last99": percentile(last, 99),
        "post99": percentile(from_post, 99),
        "server_us": max(0.0, busy - idle) / frames * 1e6,
        "client_us": client / frames * 1e6,
        "missing": missing,
    }


async def run_sizes(stack: DeskStack, operators, sizes: list[int], events: int, name: str):
    rows = []
    connected = 0
    for size in sizes:
        await connect_all(operators[connected:size], concurrency=10)
        connected = size
        await asyncio.sleep(2)  # settle
        load = load_average()
        result = await measure(stack, operators[:size], events, f"fan{size}")
        rows.append([name, load, size, events, result])
    await close_all(operators[:connected])
    return rows


def run(setup: str, sizes: list[int], events: int) -> list[list]:
    redis = setup == "redis"
    with bench_database("postgres" if redis else "sqlite") as url:
        env = {**BENCH_ENV, "DATABASE_URL": url}
        if redis:
            env["REDIS_URL"] = REDIS_URL
        django_setup(url, redis=redis)
        name = "2 daphne, Redis, PostgreSQL" if redis else "1 daphne, in-memory, SQLite"
        with DeskStack(env=env, ports=(0, 0) if redis else (0,), status_delays="off") as stack:
            operators = make_operators(max(sizes), stack.urls, with_conversations=False)
            measured = asyncio.run(run_sizes(stack, operators, sizes, events, name))
    if RETRIES:
        print(f"{len(RETRIES)} connects tried again, e.g. {RETRIES[0]}", file=sys.stderr)
    rows = []
    smallest = measured[0][4]
    for name, load, size, count, result in measured:
        slope = (
            (result["last50"] - smallest["last50"]) / (size - sizes[0]) * 1000
            if size > sizes[0]
            else ""
        )
        rows.append(
            [
                name,
                load,
                size,
                count,
                result["missing"],
                result["first"],
                result["middle"],
                result["last50"],
                result["last99"],
                result["post99"],
                slope,
                result["last50"] / size * 1000,
                result["server_us"],
                result["client_us"],
            ]
        )
    return rows


HEADER = [
    "setup",
    "load",
    "sockets",
    "events",
    "frames missing",
    "first frame p50 ms",
    "median socket p50 ms",
    "last frame p50 ms",
    "last frame p99 ms",
    "POST -> last frame p99 ms",
    "last frame slope us/socket (from the smallest size)",
    "last frame p50 / sockets us",
    "daphne CPU us per frame",
    "client CPU us per frame",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 and 200 sockets, 10 events")
    parser.add_argument("--setup", choices=("memory", "redis", "both"), default="both")
    parser.add_argument("--sizes", default=None, help="socket counts, ascending (250,1000,2000)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [
        int(n) for n in (args.sizes or ("50,200" if args.quick else "250,1000,2000")).split(",")
    ]
    events = args.events or (10 if args.quick else 40)
    raise_file_limit()
    if args.row:
        for row in run(args.setup, sizes, events):
            print("ROW\t" + json.dumps(row), flush=True)
        return
    rows = []
    for setup in ("memory", "redis") if args.setup == "both" else (args.setup,):
        # Django is set up once per process: each setup in a child of its own.
        done = subprocess.run(
            [sys.executable, "-m", "bench.fanout", "--row", "--setup", setup]
            + ["--sizes", ",".join(map(str, sizes)), "--events", str(events)],
            capture_output=True,
            text=True,
        )
        sys.stderr.write(done.stderr[-2000:] if done.returncode else "")
        sys.stderr.write("".join(x + "\n" for x in done.stderr.splitlines() if "tried again" in x))
        if done.returncode != 0:
            sys.stderr.write(done.stdout)
            raise SystemExit(f"the {setup} run failed")
        rows += [
            json.loads(line[4:]) for line in done.stdout.splitlines() if line.startswith("ROW\t")
        ]
    print_table("Broadcast fan-out (bench 6)", HEADER, rows, module="bench.fanout")
    for row in rows:
        if row[2] == 1000:
            target = 50 if row[0].startswith("1 daphne") else 60
            print(
                f"{row[0]}, 1,000 sockets: last frame p99 {row[8]:.1f} ms (target <= {target}); "
                f"{row[4]} frames missing (target 0)"
            )


if __name__ == "__main__":
    main()
