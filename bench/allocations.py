"""Where a measured process's Python memory goes: tracemalloc snapshots taken inside it on a
signal, compared here by the file that allocated (bench/idle.py --tracemalloc).

The process is started with PYTHONTRACEMALLOC=1 and BENCH_TRACEMALLOC_FILE (bench/settings.py
then installs `dump_on_signal`); `snapshot(pid)` asks it for one and reads it back.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import sysconfig
import time
import tracemalloc
from pathlib import Path

ENV = "BENCH_TRACEMALLOC_FILE"


def dump_on_signal(path: str) -> None:
    """In the measured process: on SIGUSR1, collect garbage and write a snapshot to `path`
    (renamed into place, so a reader never sees half of one)."""

    def dump(_signum: int, _frame: object) -> None:
        gc.collect()  # what is already garbage is not a socket's cost
        partial = f"{path}.partial"
        tracemalloc.take_snapshot().dump(partial)
        os.replace(partial, path)

    signal.signal(signal.SIGUSR1, dump)


def snapshot(pid: int, path: str, timeout: float = 120) -> tracemalloc.Snapshot:
    """Ask process `pid` for a snapshot (see dump_on_signal) and load it."""
    with_file = Path(path)
    with_file.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not with_file.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"process {pid} wrote no tracemalloc snapshot to {path}")
        time.sleep(0.2)
    return tracemalloc.Snapshot.load(path)


_PREFIXES = sorted(
    {sysconfig.get_paths()[name] + "/" for name in ("purelib", "platlib", "stdlib")}
    | {str(Path(__file__).resolve().parent.parent) + "/", sys.prefix + "/"},
    key=len,
    reverse=True,
)


def short(filename: str) -> str:
    for prefix in _PREFIXES:
        if filename.startswith(prefix):
            return filename[len(prefix) :]
    return filename


def per_file_kb(
    base: tracemalloc.Snapshot, now: tracemalloc.Snapshot, count: int
) -> dict[str, float]:
    """KB allocated per `count` (sockets, say) since `base`, by the file that allocated."""
    kb: dict[str, float] = {}
    for stat in now.compare_to(base, "filename"):
        name = short(stat.traceback[0].filename)
        kb[name] = kb.get(name, 0.0) + stat.size_diff / 1024 / count
    return kb
