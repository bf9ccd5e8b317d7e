"""Benchmark 5: the outbox. How fast queued replies drain, and a reply during a storm.

The drain: 1,000 replies queued across 200 conversations (each conversation's replies in the
order its operator wrote them, the conversations interleaved at random), then drained by one
and by two reply workers; the rate the platform (the sandbox) received them at, against the raw
rate of `FromniClient.conversations_send` to the same sandbox and conversations, from one and
from two threads, in the same run (the baseline). Checked from the sandbox's own record of each
dialog: every reply arrived exactly once, and each conversation's in the order written.
Target: >= 0.5 x the raw rate.

The storm: a burst of 500 hand-overs arrives from the platform (the sandbox's own dialogs and
callbacks) while its `conversations/messages` fails, so 500 history loads queue up, and keep
failing and coming back. Meanwhile operators reply, each in a conversation of their own.
Measured: from a reply being queued (`reply_create`, what the API does) to the platform
receiving the send (the sandbox's request log), during the storm, against the same desk's
latency before it (the baseline, same run). Two storms: the platform answers the history with a
proxy's 502 at once (loads fail fast and are queued again), or does not answer until the read
timeout (each load holds its worker for FROMNI_READ_TIMEOUT). Target: reply queued -> sent
p99 <= 2 s.

The trace (`--part trace`, not in `both`): the database statements and commits the outbox
spends per reply, counted in one in-process worker draining the same queue (django-tasks'
claim and result included), by kind: what a change to the outbox must bring down.

    .venv/bin/python -m bench.outbox [--quick] [--part drain|storm|trace|both]
        [--database sqlite|postgres|both] [--storm 502|timeout|both] [--handovers 500]
        [--replies 100] [--queued 1000] [--conversations 200] [--reply-timeout 120]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bench.common import (
    BENCH_ENV,
    REPO,
    bench_database,
    django_setup,
    load_average,
    median,
    percentile,
    print_table,
)
from desk.devstack import DeskStack
from operator_desk import queues

STORMS = {
    # The platform's proxy answers at once: each load fails fast and is queued again.
    "502": ("history 502", {"mode": "outage"}),
    # The platform hangs: each load holds its worker until the desk's read timeout.
    "timeout": ("history timing out", {"mode": "timeout", "delaySeconds": 60}),
}
READ_TIMEOUT = 5  # seconds, FROMNI_READ_TIMEOUT of the benchmark desk (production: 15)
REPLY_SPACING = 0.1  # seconds between two replies (of the operators together)
STORM_OPERATORS = 10  # operators replying during the storm, each in a conversation of their own
DRAIN_OPERATORS = 50  # agents holding the drain's conversations
P99_TARGET_MS = 2000
DRAIN_TARGET = 0.5
DRAIN_TIMEOUT = 1800  # seconds for the workers to drain the queue (a busy machine is slow)


# --- shared ------------------------------------------------------------------------------------


def sandbox_sends(stack: DeskStack) -> list[tuple[str, float]]:
    """Every send the platform received (text, epoch seconds), in the order received."""
    rows = stack.sandbox.control("GET", "/_sandbox/requests")["data"]
    return [
        (r["body"]["message"]["text"], datetime.fromisoformat(r["at"]).timestamp())
        for r in rows
        if r["path"] == "conversations/send" and isinstance(r.get("body"), dict)
    ]


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def hand_overs(stack: DeskStack, count: int) -> list[str]:
    """`count` new dialogs handed to the desk by the platform; their platform ids."""
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: stack.sandbox.control("POST", "/_sandbox/conversations", {}),
                range(count),
            )
        )
    return [answer["id"] for answer in answers]


def claimed(platform_ids: list[str], users: list) -> dict[str, tuple[int, object]]:
    """Each conversation, once applied, claimed by one of `users` (round robin)."""
    from conversations.actions import conversation_claim
    from conversations.models import Conversation

    wait_for(
        lambda: (
            Conversation.objects.filter(platform_id__in=platform_ids).count() == len(platform_ids)
        ),
        120,
        "the hand-overs to be applied",
    )
    pks = dict(
        Conversation.objects.filter(platform_id__in=platform_ids).values_list("platform_id", "pk")
    )
    held = {}
    for n, platform_id in enumerate(platform_ids):
        user = users[n % len(users)]
        conversation_claim(conversation_id=pks[platform_id], user=user)
        held[platform_id] = (pks[platform_id], user)
    return held


def agents(prefix: str, count: int) -> list:
    from operators.roles import Role
    from operators.services import operator_set_up

    return [
        operator_set_up(username=f"{prefix}{n:03d}", password="bench-pass-123", role=Role.AGENT)
        for n in range(count)
    ]


# --- the storm ---------------------------------------------------------------------------------


def history_loads_waiting() -> int:
    """History loads queued and not run yet (scheduled retries included)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path__endswith="load_history"
    ).count()


def replies(stack: DeskStack, held: list[tuple[int, object]], label: str, count: int, timeout):
    """`count` replies, REPLY_SPACING apart, the operators of `held` in turn; the latency of each
    (ms), and how many never reached the platform within `timeout` seconds."""
    from conversations.replies import reply_create

    queued: dict[str, float] = {}
    for n in range(count):
        conversation_id, user = held[n % len(held)]
        text = f"{label} reply {n}"
        queued[text] = time.time()
        reply_create(conversation_id=conversation_id, user=user, text=text)
        time.sleep(REPLY_SPACING)
    deadline = time.monotonic() + timeout
    while True:
        arrived = dict(sandbox_sends(stack))
        if all(text in arrived for text in queued) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    latencies = [(arrived[t] - at) * 1000 for t, at in queued.items() if t in arrived]
    return latencies, len(queued) - len(latencies)


def run_storm(database: str, storm: str, handovers: int, count: int, timeout: float) -> list:
    with bench_database(database) as url:
        env = {**BENCH_ENV, "DATABASE_URL": url, "FROMNI_READ_TIMEOUT": str(READ_TIMEOUT)}
        django_setup(url)
        with DeskStack(env=env) as stack:
            users = agents("storm-op", min(STORM_OPERATORS, count))
            held = list(claimed(hand_overs(stack, len(users)), users).values())
            quiet, quiet_missing = replies(stack, held, "quiet", count, timeout)

            fault = {"path": "conversations/messages", **STORMS[storm][1]}
            stack.sandbox.control("POST", "/_sandbox/faults", fault)
            hand_overs(stack, handovers)
            from conversations.models import Conversation

            wait_for(
                lambda: Conversation.objects.count() >= handovers + len(users),
                300,
                "the hand-overs to be applied",
            )
            waiting = history_loads_waiting()
            load = load_average()
            stormy, storm_missing = replies(stack, held, "storm", count, timeout)
            waiting_after = history_loads_waiting()
            stack.sandbox.control("DELETE", "/_sandbox/faults")
    if quiet_missing:
        raise SystemExit(f"{quiet_missing} replies on the quiet desk never reached the platform")
    storm_p50 = percentile(stormy, 50)
    return [
        f"{database}, {STORMS[storm][0]}",
        load,
        handovers,
        waiting,
        waiting_after,
        f"{len(stormy)} / {storm_missing}",
        median(quiet),
        storm_p50,
        percentile(stormy, 99),
        max(stormy) if stormy else float("nan"),
        storm_p50 / median(quiet) if quiet else float("nan"),
    ]


STORM_HEADER = [
    "database, storm",
    "load",
    "hand-overs",
    "history loads waiting at the first reply",
    "still waiting after the last",
    "storm replies sent / not sent in time",
    "quiet p50 ms (baseline)",
    "storm p50 ms",
    "storm p99 ms",
    "storm max ms",
    "storm p50 / baseline",
]


# --- the drain ---------------------------------------------------------------------------------


def rate(times: list[float]) -> float:
    """Sends a second between the first and the last arrival."""
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")


def raw_sends(stack: DeskStack, platform_ids: list[str], total: int, threads: int) -> float:
    """`total` sends straight from FromniClient, from `threads` threads (a client each): the
    rate the platform received them at."""
    from fromni.client import FromniClient

    label = f"raw{threads}"

    def one_thread(index: int) -> None:
        client = FromniClient(stack.sandbox.api_url, stack.env["FROMNI_API_TOKEN"])
        for n in range(index, total, threads):
            client.conversations_send(platform_ids[n % len(platform_ids)], f"{label} {n}", [])

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one_thread, range(threads)))
    return rate([at for text, at in sandbox_sends(stack) if text.startswith(label + " ")])


def start_workers(stack: DeskStack, count: int, label: str) -> list[subprocess.Popen]:
    """Reply workers as the desk runs them (devstack, deploy/Procfile), started now."""
    return [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                queues.REPLIES,
                "--interval",
                "0.1",
                "--no-reload",
                "--no-startup-delay",
                "--worker-id",
                f"bench-{label}-{n}-{os.getpid()}",
            ],
            cwd=REPO,
            env=stack.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def drain(stack: DeskStack, held: dict, total: int, workers: int, timeout: float) -> dict:
    """Queue `total` replies with no worker running, then start `workers` and wait until the
    platform has every one; check it got each once and each conversation's in order."""
    from conversations.models import DeliveryState, Message
    from conversations.replies import reply_create

    label = f"w{workers}"
    platform_ids = list(held)
    # Each conversation's replies in the order written; the conversations interleaved at
    # random, so a conversation's next reply is often right behind its previous one.
    order = [platform_ids[n % len(platform_ids)] for n in range(total)]
    random.Random(workers).shuffle(order)
    written: dict[str, list[str]] = defaultdict(list)
    for n, platform_id in enumerate(order):
        text = f"{label} {platform_id} {len(written[platform_id])} ({n})"
        conversation_id, user = held[platform_id]
        reply_create(conversation_id=conversation_id, user=user, text=text)
        written[platform_id].append(text)
    started = time.monotonic()
    running = start_workers(stack, workers, label)
    # Watched in the desk's table, one count a poll: the sandbox's whole request log, read
    # every 0.2 s, was thousands of rows serialized by the process the workers send to.
    sent_states = (DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ)
    ours = Message.objects.filter(text__startswith=label + " ")
    try:
        wait_for(
            lambda: ours.filter(delivery__in=sent_states).count() >= total,
            timeout,
            f"{total} replies to be sent",
        )
        wall = time.monotonic() - started
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        stop_workers(running)
    arrivals = [at for text, at in sandbox_sends(stack) if text.startswith(label + " ")]
    # The sandbox's record of each dialog: what the platform holds, in the order it got it.
    doubled = out_of_order = 0
    for platform_id, texts in written.items():
        held_texts = [
            row["text"]
            for row in stack.sandbox.control(
                "GET", f"/_sandbox/conversations/{platform_id}/messages"
            )["data"]
            if row["text"].startswith(label + " ")
        ]
        doubled += len(held_texts) - len(set(held_texts))
        out_of_order += list(dict.fromkeys(held_texts)) != texts
        if sorted(set(held_texts)) != sorted(texts):
            raise SystemExit(f"{platform_id}: the platform holds {held_texts}, written {texts}")
    unsent = ours.exclude(delivery__in=sent_states).count()
    return {
        "rate": rate(arrivals),
        "wall": wall,
        "sent": len(arrivals),
        "doubled": doubled,
        "out_of_order": out_of_order,
        "unsent": unsent,
    }


def run_drain(database: str, total: int, conversations: int, timeout: float) -> list[list]:
    with bench_database(database) as url:
        env = {**BENCH_ENV, "DATABASE_URL": url}
        django_setup(url)
        # No reply worker until the replies are queued (drain() starts them); no delivery
        # statuses, whose callbacks would load the applier and not the outbox.
        with DeskStack(env=env, workers=0, status_delays="off") as stack:
            users = agents("drain-op", min(DRAIN_OPERATORS, conversations))
            held = claimed(hand_overs(stack, conversations), users)
            platform_ids = list(held)
            rows = []
            raw = {}
            for threads in (1, 2):
                load = load_average()
                raw[threads] = raw_sends(stack, platform_ids, total, threads)
                rows.append(
                    [
                        database,
                        load,
                        f"raw conversations_send, {threads} thread{'s' * (threads > 1)}",
                        total,
                        raw[threads],
                        1.0,
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            for workers in (1, 2):
                load = load_average()
                result = drain(stack, held, total, workers, timeout)
                rows.append(
                    [
                        database,
                        load,
                        f"outbox, {workers} worker{'s' * (workers > 1)}",
                        result["sent"],
                        result["rate"],
                        result["rate"] / raw[1],
                        result["rate"] / raw[workers],
                        result["wall"],
                        f"{result['doubled']} / {result['out_of_order']}",
                        result["unsent"],
                    ]
                )
    return rows


DRAIN_HEADER = [
    "database",
    "load",
    "sender",
    "sends",
    "sends/s",
    "/ raw, 1 thread",
    "/ raw, same threads",
    "queued -> last sent s",
    "sent twice / conversations out of order",
    "not sent",
]


# --- the trace ---------------------------------------------------------------------------------


def _statement_kind(sql: str) -> str:
    """A statement's verb and first table: what a round trip was for."""
    words = sql.split()
    verb = words[0].upper() if words else "?"
    if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return verb
    if "pg_advisory_xact_lock" in sql:
        return "SELECT advisory lock"
    if verb == "PRAGMA" or verb == "SET":
        return verb
    table = re.search(r'(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', sql, re.IGNORECASE)
    lock = " FOR UPDATE" if re.search(r"FOR (NO KEY )?UPDATE", sql) else ""
    return f"{verb} {table.group(1) if table else '?'}{lock}"


def run_trace(database: str, total: int, conversations: int) -> list[list]:
    """Queue `total` replies, then drain them with one django-tasks worker in this process,
    counting each statement the database was sent (and each commit) by kind."""
    with bench_database(database) as url:
        env = {**BENCH_ENV, "DATABASE_URL": url}
        django_setup(url)
        from django.conf import settings
        from django.db import connections
        from django_tasks_db.management.commands.db_worker import Worker

        connection = connections["default"]
        with DeskStack(env=env, workers=0, status_delays="off") as stack:
            settings.FROMNI_BASE_URL = stack.sandbox.api_url
            settings.FROMNI_API_TOKEN = stack.env["FROMNI_API_TOKEN"]
            users = agents("trace-op", min(DRAIN_OPERATORS, conversations))
            held = claimed(hand_overs(stack, conversations), users)
            from conversations.replies import reply_create

            platform_ids = list(held)
            order = [platform_ids[n % len(platform_ids)] for n in range(total)]
            random.Random(0).shuffle(order)
            for n, platform_id in enumerate(order):
                conversation_id, user = held[platform_id]
                reply_create(conversation_id=conversation_id, user=user, text=f"trace {n}")
            kinds: dict[str, int] = defaultdict(int)

            def count(execute, sql, params, many, context):
                kinds[_statement_kind(sql)] += 1
                return execute(sql, params, many, context)

            commits = 0
            connects = 0
            real_commit = type(connection).commit
            real_connect = type(connection).connect

            def counted_commit(self):
                nonlocal commits
                commits += 1
                return real_commit(self)

            def counted_connect(self):
                nonlocal connects
                connects += 1
                return real_connect(self)

            type(connection).commit = counted_commit
            type(connection).connect = counted_connect
            # The wrapper is the connection's: the worker closes and reopens its connection
            # between tasks (CONN_MAX_AGE 0), and a new one keeps the wrappers list.
            connection.execute_wrappers.append(count)
            started = time.monotonic()
            try:
                while len(sandbox_sends(stack)) < total:
                    Worker(
                        queue_names=[queues.REPLIES],
                        interval=0,
                        batch=True,
                        backend_name="default",
                        startup_delay=False,
                        max_tasks=None,
                        worker_id=f"trace-{os.getpid()}",
                        excluded_queue_names=[],
                    ).run()
                    if time.monotonic() - started > DRAIN_TIMEOUT:
                        raise SystemExit("the trace's worker did not send every reply")
            finally:
                connection.execute_wrappers.remove(count)
                type(connection).commit = real_commit
                type(connection).connect = real_connect
            wall = time.monotonic() - started
            sent = len(sandbox_sends(stack))
    statements = sum(kinds.values())
    rows = [
        [database, "every statement", statements, statements / sent],
        [database, "commits (autocommit statements not counted)", commits, commits / sent],
        [database, "connections opened", connects, connects / sent],
        [database, f"sends/s in this process ({sent} sent)", "", sent / wall],
    ]
    for kind, n in sorted(kinds.items(), key=lambda item: -item[1]):
        rows.append([database, kind, n, n / sent])
    return rows


TRACE_HEADER = ["database", "statement", "count", "per reply"]


# --- the command -------------------------------------------------------------------------------


def child(args: argparse.Namespace, part: str, database: str, storm: str = "") -> list[list]:
    """One run in a process of its own (Django is set up once per process)."""
    command = [sys.executable, "-m", "bench.outbox", "--row", "--part", part]
    command += ["--database", database, "--storm", storm or "502"]
    for name in ("handovers", "replies", "queued", "conversations", "reply_timeout"):
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the {part} run on {database} {storm} failed")
    return [
        [_value(cell) for cell in line.split("\t")[1:]]
        for line in done.stdout.splitlines()
        if line.startswith("ROW\t")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke size: 200 replies to 40 conversations, a storm of 50 hand-overs",
    )
    parser.add_argument("--part", choices=("drain", "storm", "trace", "both"), default="both")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--storm", choices=(*STORMS, "both"), default="both")
    parser.add_argument("--handovers", type=int, default=None)
    parser.add_argument("--replies", type=int, default=None, help="replies during the storm")
    parser.add_argument("--queued", type=int, default=None, help="replies the workers drain")
    parser.add_argument("--conversations", type=int, default=None)
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=120,
        help="seconds to wait for the replies to reach the platform; later: not sent in time",
    )
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.handovers = args.handovers or (50 if args.quick else 500)
    args.replies = args.replies or (20 if args.quick else 100)
    args.queued = args.queued or (200 if args.quick else 1000)
    args.conversations = args.conversations or (40 if args.quick else 200)
    if args.row:
        if args.part == "drain":
            rows = run_drain(args.database, args.queued, args.conversations, DRAIN_TIMEOUT)
        elif args.part == "trace":
            rows = run_trace(args.database, args.queued, args.conversations)
        else:
            rows = [
                run_storm(
                    args.database, args.storm, args.handovers, args.replies, args.reply_timeout
                )
            ]
        for row in rows:
            print("ROW\t" + "\t".join(str(value) for value in row), flush=True)
        return
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    storms = tuple(STORMS) if args.storm == "both" else (args.storm,)
    if args.part in ("drain", "both"):
        rows = [row for database in databases for row in child(args, "drain", database)]
        print_table(
            f"Draining {args.queued} queued replies across {args.conversations} conversations "
            "(bench 5)",
            DRAIN_HEADER,
            rows,
            module="bench.outbox",
        )
        outbox_rows = [row for row in rows if str(row[2]).startswith("outbox")]
        worst = min(row[6] for row in outbox_rows)
        problems = sum(int(n) for row in outbox_rows for n in str(row[8]).split(" / ")) + sum(
            row[9] for row in outbox_rows
        )
        print(
            f"target: >= {DRAIN_TARGET} x the raw rate (worst {worst:.2f} x, against the raw "
            f"rate from as many threads as workers); nothing sent twice, out of order or "
            f"unsent (got {problems})"
        )
    if args.part == "trace":
        rows = [row for database in databases for row in child(args, "trace", database)]
        print_table(
            f"What the outbox spends per reply: {args.queued} replies across "
            f"{args.conversations} conversations, one worker in process (bench 5)",
            TRACE_HEADER,
            rows,
            module="bench.outbox",
        )
    if args.part in ("storm", "both"):
        rows = [
            row
            for database in databases
            for storm in storms
            for row in child(args, "storm", database, storm)
        ]
        print_table(
            "Replies during a storm of hand-overs (bench 5)",
            STORM_HEADER,
            rows,
            module="bench.outbox",
        )
        late = sum(int(str(row[5]).split(" / ")[1]) for row in rows)
        worst = max(row[8] for row in rows)
        print(
            f"target: reply queued -> sent p99 <= {P99_TARGET_MS / 1000:g} s during the storm "
            f"(worst p99 {worst / 1000:.2f} s; {late} not sent within {args.reply_timeout:g} s)"
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
