"""What every benchmark shares: a desk to run against, data set-up, percentiles, the table."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/operator_desk_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret"

# A production-like desk: DEBUG off (Django would keep every query in memory otherwise).
BENCH_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "x" * 50,
    "FROMNI_API_TOKEN": "bench-token",
    "FROMNI_CALLBACK_SECRET": SECRET,
    "SESSION_COOKIE_SECURE": "0",
    # Plain HTTP on loopback: no TLS proxy in front of the benchmark desk.
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "LOG_LEVEL": "WARNING",
}


def raise_file_limit() -> None:
    """Thousands of sockets need thousands of descriptors, here and in the children."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    cpu = "unknown cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1048576:.0f} GiB"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1-minute load average now: what else the machine was doing (it is shared)."""
    return f"{os.getloadavg()[0]:.1f}"


def command_line(module: str) -> str:
    return " ".join([".venv/bin/python -m", module, *sys.argv[1:]])


def print_table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *, module: str
) -> None:
    """A Markdown table, with the machine and the command that produced it."""
    print(f"\n### {title}\n")
    loads = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Machine: {machine()}, load average {loads} (1, 5, 15 min) at the end  ")
    print(f"Command: `{command_line(module)}`\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(_cell(value) for value in row) + " |")
    print()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def database_url(kind: str) -> str:
    if kind == "sqlite":
        return "sqlite:///var/bench.sqlite3"
    if kind == "postgres":
        return POSTGRES_URL
    raise SystemExit(f"unknown database kind {kind!r}: sqlite or postgres")


@contextlib.contextmanager
def bench_database(kind: str) -> Iterator[str]:
    """A fresh, migrated database of that kind for one run."""
    from desk.devstack import fresh_database

    with fresh_database(database_url(kind)) as url:
        env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=REPO,
            env=env,
            check=True,
        )
        yield url


def django_setup(url: str, redis: bool = False) -> None:
    """Use Django in this process too (to make data directly), on the benchmark database."""
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = url
    if redis:
        os.environ["REDIS_URL"] = REDIS_URL
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def process_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


SAMPLES = REPO / "fromni" / "samples"


def handover_body(conversation_id: str, contact_id: str, expires_in: float = 3600) -> dict:
    """The platform's sample hand-over for a new dialog whose window is open, signed."""
    import json
    from datetime import UTC, datetime, timedelta

    body = json.loads((SAMPLES / "conversation_operator_requested.json").read_text())
    expires = datetime.now(UTC) + timedelta(seconds=expires_in)
    body["data"]["id"] = conversation_id
    body["data"]["contact"]["id"] = contact_id
    body["data"]["operatorMode"]["expiresAt"] = expires.isoformat().replace("+00:00", "Z")
    body["secret"] = SECRET
    return body


# --- a database kept between runs (the data sets that take minutes to make) -------------------


def kept_database_url(name: str) -> str:
    """The URL of the database `name` beside BENCH_POSTGRES_URL's."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))


def kept_database(name: str, *, fresh: bool) -> str:
    """Create the database `name` unless it exists (`fresh`: drop it first); its URL."""
    import psycopg

    with psycopg.connect(kept_database_url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return kept_database_url(name)
