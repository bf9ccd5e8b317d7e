"""Benchmark 1: callback ingestion.

Sustained callbacks per second through POST /fromni/callback/ (distinct
conversation_message_created bodies, each a real write), against the same daphne serving an
empty Django view in the same run; then acknowledgement latency at half the measured rate.
Targets: ratio >= 0.7, zero errors, p99 <= 100 ms at half load.

The half-load phase is traced (bench/tail.py; the desk's Server-Timing answers,
callbacks/asgi.py): where the slowest answers spent their time in the desk (waiting for the
commit before theirs, the pool, the statements, the commit, the way back to the loop) and
outside it (daphne's HTTP, the kernel, this process's own scheduling), against what the machine
and PostgreSQL did meanwhile (run queue, steal, checkpoints, autovacuum of the callback table,
what PostgreSQL's backends waited on, the pool's waits). `--noise N` runs the phase again with
N CPU burners beside it: a shared machine's day, in the same run.

    .venv/bin/python -m bench.callbacks [--db sqlite|postgres|both] [--seconds 10] [--noise N]
        [--quick]

Needs `wrk` (Debian package; installed by `make bench`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass
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
from bench.tail import Trace, traced
from desk.devstack import DeskStack

HERE = Path(__file__).resolve().parent
CONNECTIONS = 8
# The desk's stages of one answer (its Server-Timing header, callbacks/asgi.py), in order.
STAGES = ("queue", "hop", "pool", "sql", "commit", "release", "back", "wake")


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


def server_timing(header: str | None) -> dict[str, float]:
    """A Server-Timing header's durations by name ({} if there is none)."""
    stages = {}
    for metric in (header or "").split(","):
        name, _, rest = metric.strip().partition(";dur=")
        if rest:
            stages[name] = float(rest)
    return stages


def paced(
    url: str, rate: float, seconds: float, conversation: str, tag: str = ""
) -> tuple[list[float], int, list[dict[str, float]]]:
    """Open-loop load at `rate` per second: each request leaves on schedule, whatever the
    previous one did (`tag`: in every body, so that no phase repeats another's). Returns every
    acknowledgement's latency (ms), the error count, and each acknowledgement's stages in the
    desk (with `client`: its latency)."""
    senders = 16
    latencies: list[float] = []
    traces: list[dict[str, float]] = []
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
                    "message": {"text": f"paced{tag} {index}-{n}", "attachments": []},
                },
            }
            sent = time.perf_counter()
            stages = {}
            try:
                response = session.post(
                    url,
                    data=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                    timeout=10,
                )
                ok, stages = response.ok, server_timing(response.headers.get("Server-Timing"))
            except requests.RequestException:
                ok = False
            elapsed = (time.perf_counter() - sent) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1
                if stages:
                    traces.append({**stages, "client": elapsed})
            n += 1

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], traces


def split(traces: list[dict[str, float]], low: float, high: float) -> list[float | str]:
    """The mean of each stage over the answers whose client latency was in [low, high]:
    count, client, outside the desk, then the desk's stages and the batch size."""
    chosen = [t for t in traces if low <= t["client"] <= high]
    if not chosen:
        return [0, *[""] * (3 + len(STAGES))]

    def mean(name: str) -> float:
        return sum(t[name] for t in chosen) / len(chosen)

    outside = sum(t["client"] - t["total"] for t in chosen) / len(chosen)
    return [len(chosen), mean("client"), outside, *map(mean, STAGES), mean("batch")]


def pool_stats(url: str) -> dict[str, int]:
    return requests.get(f"{url}/bench/pool", timeout=10).json()


def hand_over(url: str, conversations: list[str]) -> None:
    for n, conversation in enumerate(conversations):
        body = handover_body(conversation, contact_id=f"{n:024x}")
        requests.post(f"{url}/fromni/callback/", json=body, timeout=10).raise_for_status()


@dataclass
class Phase:
    """One half-load phase: its latencies, errors, per-answer stages and trace."""

    label: str
    noise: int
    latencies: list[float]
    errors: int
    traces: list[dict[str, float]]
    trace: Trace
    pool: dict[str, int]


def half_load(
    url: str, rate: float, seconds: int, conversation: str, trace: Trace, noise: int
) -> Phase:
    before = pool_stats(url)
    with traced(trace, noise):
        latencies, errors, traces = paced(
            f"{url}/fromni/callback/", rate, seconds, conversation, tag=f" noise {noise}"
        )
    after = pool_stats(url)
    pool = {
        name: after.get(name, 0) - before.get(name, 0)
        for name in ("requests_num", "requests_waiting", "requests_wait_ms", "connections_num")
    }
    label = f"callbacks at {rate:.0f}/s" + (f", {noise} CPU burners" if noise else "")
    return Phase(label, noise, latencies, errors, traces, trace, pool)


def run(
    db: str, seconds: int, noise: int, warm: int, rate: float | None = None
) -> tuple[list[list], list[Phase], float, int]:
    """`rate`: the half-load phase's, instead of half the measured rate (to compare runs)."""
    with bench_database(db) as database_url:
        env = {**BENCH_ENV, "DATABASE_URL": database_url, "CALLBACK_SERVER_TIMING": "1"}
        stack = DeskStack(env=env)
        with stack:
            url = stack.url
            conversations = [f"bench{n:04d}" for n in range(20)]
            hand_over(url, conversations)
            wrk(url, "/bench/empty", warm, conversations)  # warm up both paths
            wrk(url, "/fromni/callback/", warm, conversations)
            empty = wrk(url, "/bench/empty", seconds, conversations)
            ingest = wrk(url, "/fromni/callback/", seconds, conversations)
            half = rate or ingest["rate"] / 2
            pids = [child.pid for child in stack.children.values()]
            phases = [
                half_load(
                    url,
                    half,
                    seconds,
                    conversations[0],
                    Trace(
                        database_url=database_url if db == "postgres" else None,
                        table="callbacks_callbackrecord",
                        desk_pids=pids,
                    ),
                    burners,
                )
                for burners in ((0, noise) if noise else (0,))
            ]
    ratio = ingest["rate"] / empty["rate"]
    rows = [
        [db, "empty view", empty["rate"], 1.0, empty["errors"], "", ""],
        [db, "callbacks", ingest["rate"], ratio, ingest["errors"], "", ""],
    ]
    for phase in phases:
        rows.append(
            [
                db,
                phase.label,
                len(phase.latencies) / seconds,
                "",
                phase.errors,
                percentile(phase.latencies, 50),
                percentile(phase.latencies, 99),
            ]
        )
    return rows, phases, ratio, ingest["errors"]


def trace_rows(db: str, phase: Phase) -> tuple[list, list[list]]:
    """The phase's machine-and-database row, and its split rows (median answers, slowest 1 %)."""
    stats = phase.trace.stats
    machine = [
        db,
        phase.label,
        stats["load"],
        f"{stats['run queue']:.1f} / {stats['run queue max']}",
        stats["busy %"],
        stats["steal %"],
        stats["generator %"],
        stats["desk %"],
        stats["postgres %"] if db == "postgres" else "",
        stats.get("checkpoints", ""),
        f"{stats['autovacuum']} / {stats['autoanalyze']}" if db == "postgres" else "",
        f"{phase.pool['requests_waiting']} / {phase.pool['requests_wait_ms']}"
        if phase.pool
        else "",
        phase.trace.waits_summary(),
    ]
    p45, p55 = percentile(phase.latencies, 45), percentile(phase.latencies, 55)
    p99 = percentile(phase.latencies, 99)
    splits = [
        [db, phase.label, "p45-p55", *split(phase.traces, p45, p55)],
        [db, phase.label, ">= p99", *split(phase.traces, p99, float("inf"))],
    ]
    return machine, splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=None, help="each phase (default 10)")
    parser.add_argument(
        "--noise", type=int, default=0, help="run the half-load phase again beside N CPU burners"
    )
    parser.add_argument("--quick", action="store_true", help="3 s phases, 1 s warm-up")
    parser.add_argument(
        "--rate", type=float, default=None, help="the half-load phase's rate (default: half)"
    )
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.quick else 10)
    warm = 1 if args.quick else 2
    rows, machine_rows, split_rows, verdicts = [], [], [], []
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        table, phases, ratio, errors = run(db, seconds, args.noise, warm, args.rate)
        rows += table
        for phase in phases:
            machine, splits = trace_rows(db, phase)
            machine_rows.append(machine)
            split_rows += splits
        quiet = phases[0]
        verdicts.append(
            f"{db}: ratio {ratio:.2f} (target >= 0.7), p99 at half load "
            f"{percentile(quiet.latencies, 99):.1f} ms (target <= 100), errors "
            f"{errors + sum(phase.errors for phase in phases)} (target 0)"
        )
    print_table(
        "Callback ingestion (bench 1)",
        ["database", "load", "requests/s", "ratio to empty view", "errors", "p50 ms", "p99 ms"],
        rows,
        module="bench.callbacks",
    )
    print_table(
        "The half-load phase: the machine and the database meanwhile",
        [
            "database",
            "phase",
            "load (1 min)",
            "run queue mean / max",
            "machine busy %",
            "steal %",
            "load generator % of a core",
            "desk processes %",
            "PostgreSQL backends %",
            "checkpoints",
            "autovacuum / autoanalyze (callbacks)",
            "pool waits / ms",
            "PostgreSQL backends' samples",
        ],
        machine_rows,
        module="bench.callbacks",
    )
    print_table(
        "The half-load phase: where an answer's time went (mean ms)",
        [
            "database",
            "phase",
            "answers",
            "count",
            "client ms",
            "outside the desk",
            *STAGES,
            "batch size",
        ],
        split_rows,
        module="bench.callbacks",
    )
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    main()
