"""Benchmark settings: the desk's own, plus an empty view to measure against."""

import os

from operator_desk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Benchmarks create thousands of operators; password hashing strength is not what they measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# bench/idle.py --tracemalloc: a process started with PYTHONTRACEMALLOC writes a snapshot of its
# Python allocations to this file on SIGUSR1 (bench/allocations.py).
if _snapshot_file := os.environ.get("BENCH_TRACEMALLOC_FILE"):
    from bench.allocations import dump_on_signal

    dump_on_signal(_snapshot_file)
