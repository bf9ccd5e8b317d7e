"""Benchmark 5: an operator's reply during a storm of hand-overs whose bot history fails.

A burst of 500 hand-overs arrives from the platform (the sandbox's own dialogs and callbacks)
while its `conversations/messages` fails, so 500 history loads queue up, and keep failing and
coming back. Meanwhile an operator replies in a conversation of their own. Measured: from the
reply being queued (`reply_create`, what the API does) to the platform receiving the send (the
sandbox's request log), during the storm, against the same desk's latency before it (the
baseline, same run). Two storms: the platform answers the history with a proxy's 502 at once
(loads fail fast and are queued again), or does not answer until the read timeout (each load
holds its worker for FROMNI_READ_TIMEOUT). Target: a reply is still sent within seconds.

    .venv/bin/python -m bench.outbox [--quick] [--database sqlite|postgres|both]
        [--storm 502|timeout|both] [--handovers 500] [--replies 20] [--reply-timeout 120]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bench.common import (
    BENCH_ENV,
    bench_database,
    django_setup,
    median,
    percentile,
    print_table,
)
from desk.devstack import DeskStack

STORMS = {
    # The platform's proxy answers at once: each load fails fast and is queued again.
    "502": ("history 502", {"mode": "outage"}),
    # The platform hangs: each load holds its worker until the desk's read timeout.
    "timeout": ("history timing out", {"mode": "timeout", "delaySeconds": 60}),
}
READ_TIMEOUT = 5  # seconds, FROMNI_READ_TIMEOUT of the benchmark desk (production: 15)
REPLY_SPACING = 0.5  # seconds between two replies of the operator


def sandbox_send_times(stack: DeskStack) -> dict[str, float]:
    """When the platform received each send, by text (epoch seconds)."""
    rows = stack.sandbox.control("GET", "/_sandbox/requests")["data"]
    return {
        r["body"]["message"]["text"]: datetime.fromisoformat(r["at"]).timestamp()
        for r in rows
        if r["path"] == "conversations/send" and isinstance(r.get("body"), dict)
    }


def history_loads_waiting() -> int:
    """History loads queued and not run yet (scheduled retries included)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith="load_history"
    ).count()


def replies(stack: DeskStack, conversation, user, label: str, count: int, timeout: float):
    """`count` replies, REPLY_SPACING apart; the latency of each (ms), and how many never
    reached the platform within `timeout` seconds."""
    from conversations.replies import reply_create

    queued: dict[str, float] = {}
    for n in range(count):
        text = f"{label} reply {n}"
        queued[text] = time.time()
        reply_create(conversation_id=conversation.pk, user=user, text=text)
        time.sleep(REPLY_SPACING)
    deadline = time.monotonic() + timeout
    while True:
        arrived = sandbox_send_times(stack)
        if all(text in arrived for text in queued) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    latencies = [(arrived[t] - at) * 1000 for t, at in queued.items() if t in arrived]
    return latencies, len(queued) - len(latencies)


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def run(database: str, storm: str, handovers: int, count: int, timeout: float) -> list:
    with bench_database(database) as url:
        env = {**BENCH_ENV, "DATABASE_URL": url, "FROMNI_READ_TIMEOUT": str(READ_TIMEOUT)}
        django_setup(url)
        from conversations.actions import conversation_claim
        from conversations.models import Conversation
        from operators.roles import Role
        from operators.services import operator_set_up

        with DeskStack(env=env) as stack:
            user = operator_set_up(username="bench-op", password="bench-pass-123", role=Role.AGENT)
            mine = stack.sandbox.control("POST", "/_sandbox/conversations", {})["id"]
            wait_for(
                lambda: Conversation.objects.filter(platform_id=mine).exists(), 30, "hand-over"
            )
            conversation = conversation_claim(
                conversation_id=Conversation.objects.get(platform_id=mine).pk, user=user
            )
            quiet, quiet_missing = replies(stack, conversation, user, "quiet", count, timeout)

            fault = {"path": "conversations/messages", **STORMS[storm][1]}
            stack.sandbox.control("POST", "/_sandbox/faults", fault)
            with ThreadPoolExecutor(8) as pool:
                list(
                    pool.map(
                        lambda _: stack.sandbox.control("POST", "/_sandbox/conversations", {}),
                        range(handovers),
                    )
                )
            wait_for(
                lambda: Conversation.objects.count() >= handovers + 1,
                300,
                "the hand-overs to be applied",
            )
            waiting = history_loads_waiting()
            stormy, storm_missing = replies(stack, conversation, user, "storm", count, timeout)
            waiting_after = history_loads_waiting()
            stack.sandbox.control("DELETE", "/_sandbox/faults")
    if quiet_missing:
        raise SystemExit(f"{quiet_missing} replies on the quiet desk never reached the platform")
    storm_p50 = percentile(stormy, 50)
    return [
        f"{database}, {STORMS[storm][0]}",
        handovers,
        waiting,
        waiting_after,
        f"{len(stormy)} / {storm_missing}",
        median(quiet),
        storm_p50,
        percentile(stormy, 95),
        max(stormy) if stormy else float("nan"),
        storm_p50 / median(quiet) if quiet else float("nan"),
    ]


HEADER = [
    "database, storm",
    "hand-overs",
    "history loads waiting at the first reply",
    "still waiting after the last",
    "storm replies sent / not sent in time",
    "quiet p50 ms (baseline)",
    "storm p50 ms",
    "storm p95 ms",
    "storm max ms",
    "storm p50 / baseline",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke size: 50 hand-overs")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--storm", choices=(*STORMS, "both"), default="both")
    parser.add_argument("--handovers", type=int, default=None)
    parser.add_argument("--replies", type=int, default=None)
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=120,
        help="seconds to wait for the replies to reach the platform; later: not sent in time",
    )
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    handovers = args.handovers or (50 if args.quick else 500)
    count = args.replies or (5 if args.quick else 20)
    if args.row:  # one run, in a process of its own (Django is set up once per process)
        row = run(args.database, args.storm, handovers, count, args.reply_timeout)
        print("ROW\t" + "\t".join(str(value) for value in row), flush=True)
        return
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    storms = tuple(STORMS) if args.storm == "both" else (args.storm,)
    rows = []
    for database in databases:
        for storm in storms:
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.outbox",
                    "--row",
                    "--database",
                    database,
                    "--storm",
                    storm,
                    "--handovers",
                    str(handovers),
                    "--replies",
                    str(count),
                    "--reply-timeout",
                    str(args.reply_timeout),
                ],
                capture_output=True,
                text=True,
            )
            if child.returncode != 0:
                sys.stderr.write(child.stdout + child.stderr)
                raise SystemExit(f"the {database}, {storm} run failed")
            line = next(x for x in child.stdout.splitlines() if x.startswith("ROW\t"))
            rows.append([_value(cell) for cell in line.split("\t")[1:]])
    print_table(
        "A reply during a storm of hand-overs (bench 5)", HEADER, rows, module="bench.outbox"
    )
    late = sum(int(str(row[4]).split(" / ")[1]) for row in rows)
    worst = max(row[8] for row in rows) / 1000
    print(
        f"target: every reply sent within seconds during the storm (worst {worst:.1f} s; "
        f"{late} not sent within {args.reply_timeout:g} s)"
    )


def _value(cell: str):
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        return float(cell)
    except ValueError:
        return cell


if __name__ == "__main__":
    main()
