#!/usr/bin/env bash
# Production install smoke test: `pip install .` WITHOUT the test extras into a fresh
# venv (what the Dockerfile does), then start gunicorn (gunicorn.conf.py) and a Celery
# worker against Redis with DEBUG off, check /healthz and /readyz, run one task end to
# end through the broker (upr_tracker.celery.check_worker), and stop both.
# Needs PostgreSQL and Redis on 127.0.0.1. About a minute with a warm pip cache.
# Knobs: SMOKE_PORT, SMOKE_REDIS_DB (uses it and the next one), SMOKE_DB, PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SMOKE_PORT:-8091}
REDIS_DB=${SMOKE_REDIS_DB:-5}
DBNAME=${SMOKE_DB:-upr_smoke}
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "SMOKE FAILED: $*"; for f in "$WORK"/*.log; do echo "--- $f"; tail -30 "$f"; done; exit 1; }

echo "Fresh venv, pip install . (no extras)"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --upgrade pip >"$WORK/pip.log" 2>&1 || fail "pip upgrade"
"$WORK/venv/bin/pip" install -q . >>"$WORK/pip.log" 2>&1 || fail "pip install ."
if "$WORK/venv/bin/python" -c "import pytest" 2>/dev/null; then
  fail "pytest is importable: this venv is not a production install"
fi

export DEBUG=0 SECRET_KEY="smoke-$(date +%s)-$RANDOM-$RANDOM-not-for-production-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")"
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DBNAME"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/$REDIS_DB"
export CACHE_URL="redis://127.0.0.1:6379/$((REDIS_DB + 1))"
export STATIC_ROOT="$WORK/static" GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DBNAME"
PY="$WORK/venv/bin/python"
$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0

echo "Starting gunicorn on $PORT and a Celery worker"
"$WORK/venv/bin/gunicorn" upr_tracker.wsgi:application --config gunicorn.conf.py \
  --access-logfile "$WORK/access.log" >"$WORK/gunicorn.log" 2>&1 &
pids+=($!)
"$WORK/venv/bin/celery" -A upr_tracker worker --loglevel=info --concurrency=1 \
  >"$WORK/worker.log" 2>&1 &
pids+=($!)

for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" || fail "/healthz does not answer"
echo
curl -fsS "http://127.0.0.1:$PORT/readyz" || fail "/readyz is not ready"
echo
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")
[ "$status" = 200 ] || fail "the dashboard answered $status"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/cycles/")
[ "$status" = 200 ] || fail "the API answered $status"
echo "Running a task through the broker and the worker"
$PY manage.py shell -c "
from upr_tracker.celery import check_worker
print(f'worker ran the ping task in {check_worker(timeout=60):.1f} s')
" || fail "the worker did not run the task"

echo "A second gunicorn whose database is unreachable: 503 page, 503 JSON, not ready"
DATABASE_URL="postgres://postgres@127.0.0.1:1/$DBNAME" GUNICORN_BIND="127.0.0.1:$((PORT + 1))" \
  GUNICORN_WORKERS=1 "$WORK/venv/bin/gunicorn" upr_tracker.wsgi:application \
  --config gunicorn.conf.py >"$WORK/gunicorn-nodb.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$((PORT + 1))/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
check_status() {  # path expected-status expected-text
  local body status
  body=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$((PORT + 1))$1")
  status=${body##*$'\n'}
  [ "$status" = "$2" ] || fail "$1 answered $status with the database down, not $2"
  grep -q "$3" <<<"$body" || fail "$1 did not say: $3"
}
check_status /healthz 200 '"ok"'
check_status /readyz 503 'database: OperationalError'
check_status / 503 'database cannot be reached'
check_status /api/v1/cycles/ 503 '"detail"'

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" || true
echo "Production smoke test passed"
