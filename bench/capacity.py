"""Benchmark 7: capacity. The rate of distinct callbacks the whole pipeline holds, and what a
desk costs.

200 operators connected, each with a conversation of their own. The platform sends distinct
callbacks at a rate raised step by step: a user message to one of those conversations (round
robin), and one in HANDOVER_EVERY a hand-over of a new dialog (a `desk.conversation_queued`
event every operator gets). Measured per step: from the POST leaving to the frame on the
operator's socket (a message: its operator's; a hand-over: the last operator's socket), and
each stage's p99: the intake (the POST's acknowledgement), the applier (stored -> applied) and
push + socket (the event's creation in the applier's transaction -> the frame). A step holds
when p99 <= 100 ms, no frame is missing, the applier's backlog is empty at its end, and the
generator kept the rate. The first step that does not hold is the knee; its stage is the one
whose p99 grew most. Next to it, the intake-only rate of the same desk in the same run (`wrk`,
as bench 1: the baseline). Target: the highest rate held >= 0.5 x the intake-only rate.

What a desk costs (point 6): the RSS and CPU of the whole process set (web, applier, reply
worker, background worker, clock) at rest with the operators connected, and at 100 callbacks/s.

Two hosts (point 5, `--setup hosts`): the process set in a network namespace of its own
(tests/support/netns.py), PostgreSQL and Redis reached over a bridge (socat forwarders to the
ones on loopback), the operators on host A. At one rate (HOSTS_RATE): first host A alone takes
the callbacks (the baseline), then host B joins and takes them, so that every event crosses
from one host to the other. Needs root and socat; `all` leaves it out where it cannot run.

    .venv/bin/python -m bench.capacity [--quick] [--setup memory|redis1|redis2|hosts|all]
        [--seconds 60] [--rates 25,50,100,...]

Needs `wrk` (Debian package; installed by `make bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests

from bench.callbacks import hand_over, wrk
from bench.common import (
    BENCH_ENV,
    REDIS_URL,
    SECRET,
    bench_database,
    django_setup,
    handover_body,
    load_average,
    percentile,
    print_table,
    process_cpu_seconds,
    process_rss_mb,
    raise_file_limit,
)
from bench.operators import close_all, connect_all, frames, make_operators
from desk.devstack import DeskStack
from fromni.sandbox.process import SandboxProcess

OPERATORS = 200
HANDOVER_EVERY = 10
P99_LIMIT_MS = 100
RATES = (25, 50, 100, 150, 200, 300, 400, 600, 800)
SETUPS = {
    "memory": ("1 daphne, in-memory, SQLite", "sqlite", 1),
    "redis1": ("1 daphne, Redis, PostgreSQL", "postgres", 1),
    "redis2": ("2 daphne, Redis, PostgreSQL", "postgres", 2),
}
SENDERS = 16
HOSTS = "hosts"
HOSTS_NAME = "process set per host, Redis, PostgreSQL (namespaces)"
HOSTS_RATE = 100
HOST_WEB_PORT = 8000


# --- load and frames -----------------------------------------------------------------------------


async def read_frames(operator, stop: asyncio.Event) -> None:
    async for arrived, raw in frames(operator, stop):
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "desk.message_created":
            key = frame["data"]["message"]["text"]
        elif kind == "desk.conversation_queued":
            key = frame["data"]["conversation"]["platformId"]
        else:
            continue
        operator.arrivals[key] = arrived
        created = datetime.fromisoformat(frame["at"]).timestamp()
        operator.pushed_after.append((arrived - created) * 1000)


def send_callbacks(url: str, operators, rate: float, seconds: float, label: str):
    """Open loop at `rate` per second from SENDERS threads: {key: (sent at, operator)}, the
    acknowledgement latencies (ms), the errors, and the rate actually sent."""
    sent: dict[str, tuple[float, object]] = {}
    acks: list[float] = []
    errors = [0]
    lock = threading.Lock()
    total = int(seconds * rate)
    start = time.perf_counter() + 0.2

    def sender(index: int) -> None:
        session = requests.Session()
        for n in range(index, total, SENDERS):
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
            if n % HANDOVER_EVERY == HANDOVER_EVERY - 1:
                key = f"{label}-h{n}"
                body = handover_body(key, contact_id=f"{abs(hash(key)):024x}"[:24])
                watcher = operators[-1]
            else:
                watcher = operators[n % len(operators)]
                key = f"{label}-m{n}"
                body = {
                    "name": "conversation_message_created",
                    "secret": SECRET,
                    "data": {
                        "conversationId": watcher.conversation_platform_id,
                        "message": {"text": key, "attachments": []},
                    },
                }
            posted = time.perf_counter()
            with lock:
                sent[key] = (time.time(), watcher)
            try:
                ok = session.post(f"{url}/fromni/callback/", json=body, timeout=10).ok
            except requests.RequestException:
                ok = False
            with lock:
                acks.append((time.perf_counter() - posted) * 1000)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # On schedule, the last request leaves `seconds` after the start and returns soon after.
    return sent, acks, errors[0], total / max(seconds, time.perf_counter() - start)


def unapplied() -> int:
    from callbacks.models import CallbackRecord

    return CallbackRecord.objects.filter(applied_at__isnull=True).count()


def applied_after_ms(since) -> list[float]:
    from callbacks.models import CallbackRecord

    rows = CallbackRecord.objects.filter(
        first_received_at__gte=since, applied_at__isnull=False
    ).values_list("first_received_at", "applied_at")
    return [(applied - received).total_seconds() * 1000 for received, applied in rows]


def wait_drained(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while unapplied() and time.monotonic() < deadline:
        time.sleep(0.5)


# --- the process set -----------------------------------------------------------------------------


def desk_pids(*stacks: DeskStack) -> list[int]:
    return [child.pid for stack in stacks for child in stack.children.values()]


def desk_cost(stack: DeskStack, seconds: float) -> tuple[float, float]:
    """RSS (MB) and CPU (% of a core) of every desk process together, over `seconds`."""
    pids = desk_pids(stack)
    started, cpu = time.monotonic(), sum(process_cpu_seconds(p) for p in pids)
    time.sleep(seconds)
    used = sum(process_cpu_seconds(p) for p in pids) - cpu
    rss = sum(process_rss_mb(p) for p in pids)
    return rss, used / (time.monotonic() - started) * 100


# --- one setup -----------------------------------------------------------------------------------


async def step(
    stack: DeskStack,
    operators,
    rate: int,
    seconds: float,
    *,
    others: Sequence[DeskStack] = (),
    label: str = "",
) -> dict:
    """One rate, the platform calling `stack`; `others`: the desk's other hosts (their
    processes' cost counts too); `label`: what makes this step's callbacks distinct from an
    earlier step's at the same rate (the desk takes a repeated body for a repeat)."""
    from django.utils import timezone

    stop = asyncio.Event()
    for operator in operators:
        operator.arrivals.clear()
        operator.pushed_after.clear()
    readers = [asyncio.create_task(read_frames(o, stop)) for o in operators]
    since = timezone.now()
    load = load_average()
    pids = desk_pids(stack, *others)
    cpu_before, clock = sum(process_cpu_seconds(p) for p in pids), time.monotonic()
    sent, acks, errors, sent_rate = await asyncio.to_thread(
        send_callbacks, stack.url, operators, rate, seconds, f"{label}r{rate}"
    )
    cpu = (sum(process_cpu_seconds(p) for p in pids) - cpu_before) / (time.monotonic() - clock)
    rss = sum(process_rss_mb(p) for p in pids)
    backlog = await asyncio.to_thread(unapplied)
    await asyncio.sleep(2)  # the last frames
    stop.set()
    await asyncio.gather(*readers)
    latencies, missing = [], 0
    for key, (at, watcher) in sent.items():
        arrived = watcher.arrivals.get(key)
        if arrived is None:
            missing += 1
        else:
            latencies.append((arrived - at) * 1000)
    applied = await asyncio.to_thread(applied_after_ms, since)
    pushed = [ms for o in operators for ms in o.pushed_after]
    await asyncio.to_thread(wait_drained, 120)
    result = {
        "rate": rate,
        "load": load,
        "sent_rate": sent_rate,
        "errors": errors,
        "missing": missing,
        "backlog": backlog,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "intake": percentile(acks, 99),
        "applier": percentile(applied, 99),
        "push": percentile(pushed, 99),
        "cpu": cpu * 100,
        "rss": rss,
    }
    result["held"] = (
        result["p99"] <= P99_LIMIT_MS
        and missing == 0
        and errors == 0
        and backlog <= rate * 0.5  # at most half a second of callbacks still to apply
        and sent_rate >= rate * 0.95
    )
    return result


def knee(first: dict, failed: dict) -> str:
    if failed["sent_rate"] < failed["rate"] * 0.95:
        return "the load generator (this process) could not keep the rate"
    stages = {"intake": "intake", "applier": "applier", "push and socket": "push"}
    # The stage whose p99 grew most since the first step (the largest, if it is the first).
    growth = {
        stage: failed[key] - (first[key] if first is not failed else 0)
        for stage, key in stages.items()
    }
    return max(growth, key=growth.get)


async def climb(stack: DeskStack, operators, rates, seconds: float, rest_seconds: float):
    """The cost at rest with everyone connected, then the steps until one does not hold."""
    await connect_all(operators)
    await asyncio.sleep(3)
    rest = await asyncio.to_thread(desk_cost, stack, rest_seconds)
    results = []
    for rate in rates:
        result = await step(stack, operators, rate, seconds)
        results.append(result)
        if not result["held"]:
            break
    await close_all(operators)
    return rest, results


def run(
    setup: str, rates, seconds: float, intake_seconds: int, rest_seconds: float, operator_count
) -> dict:
    name, database, daphnes = SETUPS[setup]
    redis = database == "postgres"
    with bench_database(database) as url:
        env = {**BENCH_ENV, "DATABASE_URL": url}
        if redis:
            env["REDIS_URL"] = REDIS_URL
        django_setup(url, redis=redis)
        with DeskStack(env=env, ports=(0,) * daphnes, status_delays="off") as stack:
            # The baseline: the intake alone, as bench 1 (before anyone is connected).
            conversations = [f"intake{n:04d}" for n in range(20)]
            hand_over(stack.url, conversations)
            wrk(stack.url, "/fromni/callback/", 2, conversations)  # warm up
            intake = wrk(stack.url, "/fromni/callback/", intake_seconds, conversations)
            wait_drained(300)
            operators = make_operators(operator_count, stack.urls, with_conversations=True)
            wait_drained(60)
            rest, results = asyncio.run(climb(stack, operators, rates, seconds, rest_seconds))
    return {
        "name": name,
        "operators": operator_count,
        "intake": intake,
        "rest": rest,
        "steps": results,
    }


# --- two hosts (point 5) -------------------------------------------------------------------------


def hosts_unavailable() -> str | None:
    """Why the two-host setup cannot run here, or None."""
    import shutil

    from tests.support.netns import netns_unavailable

    return netns_unavailable() or (None if shutil.which("socat") else "socat is not installed")


def forwarded(network, url: str) -> str:
    """`url` (a server on loopback) as the hosts reach it: through a forwarder on the bridge."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    address = network.forward(f"{parts.hostname}:{parts.port}")
    return urlunsplit(parts._replace(netloc=f"{user}{address}"))


async def one_rate(stack: DeskStack, operators, rate: int, seconds: float, **options) -> dict:
    await connect_all(operators)
    await asyncio.sleep(2)
    result = await step(stack, operators, rate, seconds, **options)
    await close_all(operators)
    return result


def run_hosts(rate: int, seconds: float, operator_count: int) -> dict:
    """The operators on host A; the platform calling host A alone (the baseline), then host B
    with host A's process set still running (one process set per host)."""
    from tests.support.netns import Network

    with Network(hosts=2) as network, bench_database("postgres") as url:
        env = {
            **BENCH_ENV,
            "DATABASE_URL": forwarded(network, url),
            "REDIS_URL": forwarded(network, REDIS_URL),
            "ALLOWED_HOSTS": ",".join(host.address for host in network.hosts),
        }
        django_setup(url, redis=True)
        # The platform: its API for the reply workers; the callbacks are this process's POSTs.
        platform = SandboxProcess(
            host=network.services_address,
            token=BENCH_ENV["FROMNI_API_TOKEN"],
            secret=SECRET,
            callback_url=f"http://{network.hosts[0].address}:{HOST_WEB_PORT}/fromni/callback/",
            status_delays="off",
        )
        a, b = (
            DeskStack(
                env=env,
                host=host.address,
                ports=(HOST_WEB_PORT,),
                launcher=host.launcher,
                sandbox=platform,
            )
            for host in network.hosts
        )
        with platform, a:
            operators = make_operators(operator_count, [a.url], with_conversations=True)
            wait_drained(60)
            one = asyncio.run(one_rate(a, operators, rate, seconds, label="a"))
            with b:
                two = asyncio.run(one_rate(b, operators, rate, seconds, others=[a], label="b"))
    return {"name": HOSTS_NAME, "operators": operator_count, "one": one, "two": two}


def hosts_rows(run_result: dict) -> tuple[list[list], str]:
    one, two = run_result["one"], run_result["two"]
    rows = [
        step_row(f"1 host: callbacks to A, {run_result['operators']} operators on A", one),
        step_row(f"2 hosts: callbacks to B, {run_result['operators']} operators on A", two),
    ]
    verdict = (
        f"two hosts at {two['rate']}/s: callback -> frame p50 {two['p50']:.1f} ms, p99 "
        f"{two['p99']:.1f} ms; one host in the same run: p50 {one['p50']:.1f} ms, p99 "
        f"{one['p99']:.1f} ms (x{two['p50'] / one['p50']:.2f} and x{two['p99'] / one['p99']:.2f})"
    )
    return rows, verdict


# --- the table -----------------------------------------------------------------------------------


HEADER = [
    "setup",
    "load",
    "callbacks/s asked (sent)",
    "errors / missing / backlog",
    "p50 ms",
    "p99 ms",
    "intake p99 ms",
    "applier p99 ms",
    "push + socket p99 ms",
    "held",
    "desk RSS MB",
    "desk CPU % of a core",
]


def step_row(name: str, s: dict) -> list:
    return [
        name,
        s["load"],
        f"{s['rate']} ({s['sent_rate']:.0f})",
        f"{s['errors']} / {s['missing']} / {s['backlog']}",
        s["p50"],
        s["p99"],
        s["intake"],
        s["applier"],
        s["push"],
        "yes" if s["held"] else "no",
        s["rss"],
        s["cpu"],
    ]


def rows_of(run_result: dict) -> tuple[list[list], str]:
    name, steps = run_result["name"], run_result["steps"]
    rss, cpu = run_result["rest"]
    intake = run_result["intake"]
    rows = [
        [name, "", f"intake only (wrk, {intake['rate']:.0f}/s)", intake["errors"], "", ""]
        + ["", "", "", "baseline", "", ""],
        [name, "", f"0 (at rest, {run_result['operators']} sockets)"]
        + ["", "", "", "", "", "", "", rss, cpu],
    ]
    rows += [step_row(name, s) for s in steps]
    held = [s["rate"] for s in steps if s["held"]]
    best = max(held) if held else 0
    failed = next((s for s in steps if not s["held"]), None)
    stage = knee(steps[0], failed) if failed else "not reached"
    verdict = (
        f"{name}: held {best}/s = {best / intake['rate']:.2f} x the intake-only "
        f"{intake['rate']:.0f}/s (target >= 0.5); knee at "
        f"{failed['rate'] if failed else '-'}/s: {stage}"
    )
    return rows, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="in-memory only, 50 operators, 5 s steps"
    )
    parser.add_argument("--setup", choices=(*SETUPS, HOSTS, "all"), default=None)
    parser.add_argument("--seconds", type=float, default=None, help="per step (60)")
    parser.add_argument("--rates", default=None, help="steps, callbacks a second, ascending")
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup = args.setup or ("memory" if args.quick else "all")
    seconds = args.seconds or (5 if args.quick else 60)
    rates = [int(r) for r in args.rates.split(",")] if args.rates else list(RATES)
    if args.quick and not args.rates:
        rates = [25, 100]
    intake_seconds = 3 if args.quick else 10
    rest_seconds = 3 if args.quick else 10
    raise_file_limit()
    if args.row:
        count = 50 if args.quick else OPERATORS
        if setup == HOSTS:
            rate = rates[0]
            result = run_hosts(rate, seconds, count)
        else:
            result = run(setup, rates, seconds, intake_seconds, rest_seconds, count)
        print("RESULT\t" + json.dumps(result), flush=True)
        return
    rows, verdicts = [], []
    chosen = [*SETUPS, HOSTS] if setup == "all" else [setup]
    if HOSTS in chosen and (unavailable := hosts_unavailable()):
        chosen.remove(HOSTS)
        verdicts.append(f"{HOSTS_NAME}: not run ({unavailable})")
    for one in chosen:
        asked = rates
        if one == HOSTS:  # at one rate: the first asked for, or HOSTS_RATE (50 when quick)
            asked = rates[:1] if args.rates else [50 if args.quick else HOSTS_RATE]
        # Django is set up once per process: each setup in a child of its own.
        done = subprocess.run(
            [sys.executable, "-m", "bench.capacity", "--row", "--setup", one]
            + ["--seconds", str(seconds), "--rates", ",".join(map(str, asked))]
            + (["--quick"] if args.quick else []),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            # One setup failing (a machine loaded by others) leaves the others' rows.
            sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
            name = HOSTS_NAME if one == HOSTS else SETUPS[one][0]
            verdicts.append(f"{name}: the run failed ({done.stderr.strip()[-200:]})")
            continue
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT\t"))
        result = json.loads(line.split("\t", 1)[1])
        table, verdict = hosts_rows(result) if one == HOSTS else rows_of(result)
        rows += table
        verdicts.append(verdict)
    print_table(
        "Capacity: callbacks to operator frames (bench 7)", HEADER, rows, module="bench.capacity"
    )
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    main()
