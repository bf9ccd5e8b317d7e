#!/usr/bin/env bash
# Runs the tests that touch the database or the channel layer against PostgreSQL and Redis on
# 127.0.0.1. Where either is not answering, it says so and skips, unless REQUIRE_SERVICES=1
# (CI), where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/operator_desk}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

missing=()
.venv/bin/python - "$pg_url" <<'PY' || missing+=("PostgreSQL ($pg_url)")
import sys, psycopg
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, dbname="postgres",
                password=u.password, connect_timeout=3).close()
PY
.venv/bin/python - "$redis_url" <<'PY' || missing+=("Redis ($redis_url)")
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PY

if [ ${#missing[@]} -gt 0 ]; then
  echo "Not answering: ${missing[*]}."
  if [ "${REQUIRE_SERVICES:-0}" = 1 ]; then exit 1; fi
  echo "Skipping the PostgreSQL/Redis pass (set REQUIRE_SERVICES=1 to make this an error)."
  exit 0
fi

echo "== PostgreSQL + Redis pass =="
DATABASE_URL=$pg_url REDIS_URL=$redis_url exec .venv/bin/python -m pytest -m "not platform" "$@"
