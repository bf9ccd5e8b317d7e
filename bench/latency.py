"""Benchmark 2: from the callback's POST to the event frame on the operator's socket.

200 operators connected, each with a conversation of their own; the platform sends 100
callbacks a second (a user message to one of those conversations, round robin); the time from
the POST leaving to the frame arriving on that operator's socket is measured, next to the
socket's own ping round trip (the baseline, measured in the same run).
Targets: p50 <= 15 ms, p99 <= 60 ms; one daphne on the in-memory layer (SQLite), and two daphne
processes on Redis (PostgreSQL), operators split between them, callbacks into the first.

    .venv/bin/python -m bench.latency [--setup memory|redis|both] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from datetime import datetime

import requests

from bench.common import (
    BENCH_ENV,
    REDIS_URL,
    SECRET,
    bench_database,
    django_setup,
    percentile,
    print_table,
    raise_file_limit,
)
from bench.operators import close_all, connect_all, make_operators
from desk.devstack import DeskStack

OPERATORS = 200
RATE = 100


async def read_frames(operator, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            raw = await asyncio.wait_for(operator.socket.recv(), 0.5)
        except TimeoutError:
            continue
        arrived = time.perf_counter()
        frame = json.loads(raw)
        if frame.get("type") == "desk.ping":
            await operator.socket.send(json.dumps({"type": "desk.ping"}))
        elif frame.get("type") == "desk.pong":
            operator.arrivals.setdefault("pong", arrived)
        elif frame.get("type") == "desk.message_created":
            operator.arrivals[frame["data"]["message"]["text"]] = arrived
            # The stage after the applier: from the event's creation (in the applying
            # transaction, before its commit) to the socket. Wall clocks of one machine.
            created = datetime.fromisoformat(frame["at"]).timestamp()
            operator.pushed_after.append((time.time() - created) * 1000)


def send_callbacks(url: str, operators, seconds: float, sent: dict[str, float]) -> int:
    """Open loop at RATE per second from a few threads; returns the error count."""
    senders = 8
    errors = [0]
    start = time.perf_counter() + 0.2
    total = int(seconds * RATE)

    def sender(index: int) -> None:
        session = requests.Session()
        for n in range(index, total, senders):
            time.sleep(max(0.0, start + n / RATE - time.perf_counter()))
            operator = operators[n % len(operators)]
            text = f"lat-{n}"
            body = {
                "name": "conversation_message_created",
                "secret": SECRET,
                "data": {
                    "conversationId": operator.conversation_platform_id,
                    "message": {"text": text, "attachments": []},
                },
            }
            sent[text] = time.perf_counter()
            try:
                if not session.post(f"{url}/fromni/callback/", json=body, timeout=10).ok:
                    errors[0] += 1
            except requests.RequestException:
                errors[0] += 1

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors[0]


async def ping_round_trips(operators) -> list[float]:
    samples = []
    for operator in operators[:50]:
        operator.arrivals.pop("pong", None)
        started = time.perf_counter()
        await operator.socket.send(json.dumps({"type": "desk.ping"}))
        while "pong" not in operator.arrivals:
            await asyncio.sleep(0.0005)
        samples.append((operator.arrivals["pong"] - started) * 1000)
    return samples


async def measure(
    operators, urls: list[str], seconds: float
) -> tuple[list[float], list[float], int, int]:
    await connect_all(operators)
    stop = asyncio.Event()
    readers = [asyncio.create_task(read_frames(o, stop)) for o in operators]
    baseline = await ping_round_trips(operators)
    sent: dict[str, float] = {}
    errors = await asyncio.to_thread(send_callbacks, urls[0], operators, seconds, sent)
    await asyncio.sleep(2)  # the last frames
    stop.set()
    await asyncio.gather(*readers)
    await close_all(operators)
    latencies = []
    missing = 0
    for text in sorted(sent, key=sent.get):
        operator = operators[int(text.split("-")[1]) % len(operators)]
        arrived = operator.arrivals.get(text)
        if arrived is None:
            missing += 1
        else:
            latencies.append((arrived - sent[text]) * 1000)
    return latencies, baseline, errors, missing


def applied_after_ms() -> list[float]:
    """How long each callback waited between its acknowledgement and its application."""
    from callbacks.models import CallbackRecord

    rows = CallbackRecord.objects.filter(
        kind="conversation_message_created", applied_at__isnull=False
    ).values_list("first_received_at", "applied_at")
    return [(applied - received).total_seconds() * 1000 for received, applied in rows]


def run(setup: str, seconds: float) -> list:
    redis = setup == "redis"
    with bench_database("postgres" if redis else "sqlite") as url:
        env = {**BENCH_ENV, "DATABASE_URL": url}
        if redis:
            env["REDIS_URL"] = REDIS_URL
        django_setup(url, redis=redis)
        stack = DeskStack(env=env, ports=(0, 0) if redis else (0,))
        with stack:
            operators = make_operators(OPERATORS, stack.urls, with_conversations=True)
            latencies, baseline, errors, missing = asyncio.run(
                measure(operators, stack.urls, seconds)
            )
            apply_lag = applied_after_ms()
    pushed_after = [ms for operator in operators for ms in operator.pushed_after]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    ping = percentile(baseline, 50)
    name = "2 daphne, Redis, PostgreSQL" if redis else "1 daphne, in-memory, SQLite"
    return [
        name,
        OPERATORS,
        len(latencies),
        errors,
        missing,
        ping,
        percentile(apply_lag, 50),
        percentile(pushed_after, 50),
        p50,
        p99,
        p50 / ping,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=("memory", "redis", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    raise_file_limit()
    setups = ("memory", "redis") if args.setup == "both" else (args.setup,)
    if len(setups) > 1:
        # Django is set up once per process: run each setup in a child of its own.
        import subprocess
        import sys

        for one in setups:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.latency",
                    "--setup",
                    one,
                    "--seconds",
                    str(args.seconds),
                ],
                check=True,
            )
        return
    row = run(setups[0], args.seconds)
    print_table(
        "Callback to operator socket (bench 2)",
        [
            "setup",
            "sockets",
            "frames",
            "errors",
            "missing",
            "ping p50 ms",
            "applied after p50 ms",
            "event to socket p50 ms",
            "p50 ms",
            "p99 ms",
            "p50 / ping",
        ],
        [row],
        module="bench.latency",
    )
    print(
        f"targets: p50 <= 15 ms (got {row[8]:.1f}), p99 <= 60 ms (got {row[9]:.1f}), "
        f"no errors or missing frames (got {row[3]} / {row[4]})"
    )


if __name__ == "__main__":
    main()
