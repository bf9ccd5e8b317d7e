"""What a latency benchmark's phase records beside its latencies, to say where a tail came from:
the machine (CPU taken by others, the run queue, steal), PostgreSQL (checkpoints, autovacuum on a
table, what its backends were waiting on), the desk's own pool, and the CPU each party used.
`Noise` runs CPU burners beside a phase, to make a shared machine's day on demand.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import process_cpu_seconds

SAMPLE_SECONDS = 0.1


def cpu_times() -> list[int]:
    """The machine's CPU ticks: user, nice, system, idle, iowait, irq, softirq, steal."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()
    return [int(n) for n in first[1:9]]


def procs_running() -> int:
    """Threads runnable right now, machine-wide (this sampler's own included)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("procs_running"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += process_cpu_seconds(pid)
    return total


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Trace:
    """One phase's record. `start()` and `stop()` around it; `row()` for the table."""

    database_url: str | None = None  # PostgreSQL's, or None (SQLite)
    table: str = ""  # the table whose autovacuum and autoanalyze are counted
    desk_pids: Sequence[int] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    _waits: Counter = field(default_factory=Counter)
    _running: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sampler: threading.Thread | None = None

    def start(self) -> None:
        self._before = self._counters()
        self._stop.clear()
        self._sampler = threading.Thread(target=self._sample, name="trace", daemon=True)
        self._sampler.start()
        self._started = time.perf_counter()

    def stop(self) -> None:
        elapsed = time.perf_counter() - self._started
        self._stop.set()
        self._sampler.join()
        after = self._counters()
        before = self._before
        ticks = [a - b for a, b in zip(after["cpu"], before["cpu"], strict=True)]
        total = sum(ticks) or 1
        cores = os.cpu_count() or 1
        self.stats = {
            "load": os.getloadavg()[0],
            "run queue": sum(self._running) / max(1, len(self._running)),
            "run queue max": max(self._running, default=0),
            # Whole machine: 100 % is every core busy.
            "busy %": 100 * (total - ticks[3] - ticks[4]) / total,
            "iowait %": 100 * ticks[4] / total,
            "steal %": 100 * ticks[7] / total,
            # Share of one core.
            "generator %": 100 * (after["self"] - before["self"]) / elapsed,
            "desk %": 100 * (after["desk"] - before["desk"]) / elapsed,
            "postgres %": 100 * (after["backends"] - before["backends"]) / elapsed,
            "cores": cores,
        }
        if self.database_url:
            self.stats |= {
                "checkpoints": after["checkpoints"] - before["checkpoints"],
                "checkpoint buffers": after["buffers"] - before["buffers"],
                "autovacuum": after["autovacuum"] - before["autovacuum"],
                "autoanalyze": after["autoanalyze"] - before["autoanalyze"],
                "waits": self._waits,
            }

    def waits_summary(self, top: int = 4) -> str:
        """What the database's busy backends were doing, as shares of the samples."""
        waits: Counter = self.stats.get("waits") or Counter()
        total = sum(waits.values())
        if not total:
            return ""
        return ", ".join(
            f"{name} {100 * count / total:.0f} %" for name, count in waits.most_common(top)
        )

    # --- inside ----------------------------------------------------------------------------

    def _counters(self) -> dict[str, Any]:
        counters: dict[str, Any] = {
            "cpu": cpu_times(),
            "self": self_cpu_seconds(),
            "desk": cpu_seconds(self.desk_pids),
            "backends": cpu_seconds(self._backend_pids()),
        }
        if self.database_url:
            counters |= self._postgres_counters()
        return counters

    def _postgres(self) -> Any:
        import psycopg

        return psycopg.connect(self.database_url, autocommit=True)

    def _backend_pids(self) -> list[int]:
        if not self.database_url:
            return []
        with self._postgres() as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchall()
        return [pid for (pid,) in rows]

    def _postgres_counters(self) -> dict[str, int]:
        with self._postgres() as conn:
            # PostgreSQL 17 moved these to pg_stat_checkpointer; the server here is older.
            checkpoints, buffers = conn.execute(
                "SELECT checkpoints_timed + checkpoints_req, buffers_checkpoint"
                " FROM pg_stat_bgwriter"
            ).fetchone()
            # The statistics collector reports a table's counts a little late; a stale
            # snapshot would hide an autovacuum that ran just before the phase ended.
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                "SELECT autovacuum_count, autoanalyze_count FROM pg_stat_user_tables"
                " WHERE relname = %s",
                [self.table],
            ).fetchone()
        autovacuum, autoanalyze = row or (0, 0)
        return {
            "checkpoints": checkpoints,
            "buffers": buffers,
            "autovacuum": autovacuum,
            "autoanalyze": autoanalyze,
        }

    def _sample(self) -> None:
        conn = self._postgres() if self.database_url else None
        try:
            while not self._stop.wait(SAMPLE_SECONDS):
                self._running.append(procs_running())
                if conn is None:
                    continue
                for state, kind, event in conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND state NOT IN ('idle')"
                ).fetchall():
                    if state == "idle in transaction":
                        # Waiting for the desk's next statement: the client's time.
                        self._waits["idle in transaction"] += 1
                    elif kind is None:
                        self._waits["on CPU"] += 1
                    else:
                        self._waits[f"{kind}:{event}"] += 1
        finally:
            if conn is not None:
                conn.close()


class Noise:
    """`count` processes that burn CPU until the block ends: a shared machine, on demand."""

    BURN = "import time\nwhile True:\n    time.perf_counter()\n"

    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Noise:
        for _ in range(self.count):
            self.processes.append(subprocess.Popen([sys.executable, "-c", self.BURN]))
        time.sleep(0.5 if self.count else 0)  # let the scheduler see them
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()
        self.processes.clear()


@contextlib.contextmanager
def traced(trace: Trace, noise: int) -> Iterator[Trace]:
    with Noise(noise):
        trace.start()
        try:
            yield trace
        finally:
            trace.stop()
