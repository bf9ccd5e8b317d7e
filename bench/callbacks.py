"""Benchmark 1: callback ingestion.

Sustained callbacks per second through POST /fromni/callback/ (distinct
conversation_message_created bodies, each a real write), against the same daphne serving an
empty Django view in the same run; then acknowledgement latency at half the measured rate.
Targets: ratio >= 0.7, zero errors, p99 <= 100 ms at half load.

    .venv/bin/python -m bench.callbacks [--db sqlite|postgres] [--seconds 10]

Needs `wrk` (Debian package; installed by `make bench`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import threading
import time
from pathlib import Path

import requests

from bench.common import (
    BENCH_ENV,
    SECRET,
    bench_database,
    handover_body,
    percentile,
    print_table,
)
from desk.devstack import DeskStack

HERE = Path(__file__).resolve().parent
CONNECTIONS = 8


def wrk(url: str, path: str, seconds: int, conversations: list[str]) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / "callbacks.lua"),
            url,
            "--",
            path,
            SECRET,
            ",".join(conversations),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rate": rate, "total": total, "errors": errors}


def paced(url: str, rate: float, seconds: float, conversation: str) -> tuple[list[float], int]:
    """Open-loop load at `rate` per second: each request leaves on schedule, whatever the
    previous one did; returns every acknowledgement's latency (ms) and the error count."""
    senders = 16
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def sender(index: int) -> None:
        session = requests.Session()
        interval = senders / rate
        n = 0
        while True:
            due = start + index / rate + n * interval
            if due - start > seconds:
                return
            time.sleep(max(0.0, due - time.perf_counter()))
            body = {
                "name": "conversation_message_created",
                "secret": SECRET,
                "data": {
                    "conversationId": conversation,
                    "message": {"text": f"paced {index}-{n}", "attachments": []},
                },
            }
            sent = time.perf_counter()
            try:
                ok = session.post(
                    url,
                    data=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                    timeout=10,
                ).ok
            except requests.RequestException:
                ok = False
            elapsed = (time.perf_counter() - sent) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1
            n += 1

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def hand_over(url: str, conversations: list[str]) -> None:
    for n, conversation in enumerate(conversations):
        body = handover_body(conversation, contact_id=f"{n:024x}")
        requests.post(f"{url}/fromni/callback/", json=body, timeout=10).raise_for_status()


def run(db: str, seconds: int) -> tuple[list[list], float, float, int]:
    with bench_database(db) as database_url:
        stack = DeskStack(env={**BENCH_ENV, "DATABASE_URL": database_url})
        with stack:
            url = stack.url
            conversations = [f"bench{n:04d}" for n in range(20)]
            hand_over(url, conversations)
            wrk(url, "/bench/empty", 2, conversations)  # warm up both paths
            wrk(url, "/fromni/callback/", 2, conversations)
            empty = wrk(url, "/bench/empty", seconds, conversations)
            ingest = wrk(url, "/fromni/callback/", seconds, conversations)
            half = ingest["rate"] / 2
            latencies, paced_errors = paced(
                f"{url}/fromni/callback/", half, seconds, conversations[0]
            )
    ratio = ingest["rate"] / empty["rate"]
    p99 = percentile(latencies, 99)
    return (
        [
            [db, "empty view", empty["rate"], 1.0, empty["errors"], "", ""],
            [db, "callbacks", ingest["rate"], ratio, ingest["errors"], "", ""],
            [
                db,
                f"callbacks at {half:.0f}/s",
                len(latencies) / seconds,
                "",
                paced_errors,
                percentile(latencies, 50),
                p99,
            ],
        ],
        ratio,
        p99,
        ingest["errors"] + paced_errors,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows, verdicts = [], []
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        table, ratio, p99, errors = run(db, args.seconds)
        rows += table
        verdicts.append(
            f"{db}: ratio {ratio:.2f} (target >= 0.7), p99 at half load {p99:.1f} ms "
            f"(target <= 100), errors {errors} (target 0)"
        )
    print_table(
        "Callback ingestion (bench 1)",
        ["database", "load", "requests/s", "ratio to empty view", "errors", "p50 ms", "p99 ms"],
        rows,
        module="bench.callbacks",
    )
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    main()
