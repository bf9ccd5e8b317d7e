"""Private PostgreSQL and Redis servers for fault tests: stopped and started at will.

Never the shared servers on 127.0.0.1:5432 and :6379 (other test runs use them): each of these
runs on a free port of its own, in a temporary folder, and is removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

from desk.devstack import free_port


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major, reverse=True)
    if found:
        return Path(found[0]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _major(path: str) -> int:
    version = Path(path).parents[1].name
    return int(version) if version.isdigit() else 0


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root (CI on this machine), run it as `postgres`."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else []


def postgres_available() -> bool:
    if _postgres_bin() is None:
        return False
    if os.geteuid() == 0:
        return bool(_as_postgres_user()) and _user_exists("postgres")
    return True


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class PostgresCluster:
    """A throwaway cluster (initdb, trust authentication, fsync off) on a port of its own.

    `host`: the address it listens on (default loopback); `clients`: a network (CIDR) from
    which it also takes connections, e.g. the other hosts of tests/support/netns.py."""

    def __init__(self, host: str = "127.0.0.1", clients: str | None = None) -> None:
        self.bin = _postgres_bin()
        self.host = host
        self.port = free_port(host)
        self.folder = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")
        if clients:
            # initdb trusts loopback only: the other hosts are let in by a line of their own
            # (appended to the file initdb made, which keeps its owner).
            with (self.data / "pg_hba.conf").open("a", encoding="utf-8") as hba:
                hba.write(f"host all all {clients} trust\n")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*_as_postgres_user(), str(self.bin / program), *args],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", "log", "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client (what a restart does); `immediate` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def answers(self) -> bool:
        try:
            psycopg.connect(self.url(), connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class RedisServer:
    """redis-server as a child process, nothing saved, on a port of its own (`host`: the
    address it listens on)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port(host)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                self.host,
                # Without a password Redis answers only loopback clients unless told otherwise.
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis-server on port {self.port} did not answer")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(self.host, self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
