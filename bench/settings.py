"""Benchmark settings: the desk's own, plus an empty view to measure against."""

from operator_desk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Benchmarks create thousands of operators; password hashing strength is not what they measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
