#!/usr/bin/env bash
# schemathesis against the running app (issue 9): a fresh SQLite database with the seeds and
# the demo users, gunicorn on a random loopback port (DEBUG off, eager tasks), a token of the
# demo analyst; every operation of /api/v1/schema/ gets a bounded number of generated
# requests. Fails on server errors (5xx) only: 4xx answers to nonsense are the point.
# The strings of queries and bodies also carry NUL and control characters, RTL overrides and
# 4-byte characters (.ci/schemathesis_hooks.py).
# One worker: hypothesis describes strategies with ast.parse, which is not thread-safe on
# CPython 3.11 ("AST constructor recursion depth mismatch" with several workers).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/.venv/bin}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-15}

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# the app's own settings, made self-contained: no DATABASE_URL/Redis from the CI environment
unset DATABASE_URL DB REDIS_URL CELERY_BROKER_URL DJANGO_SETTINGS_MODULE RUN_CELERY_WORKER
export DB_SQLITE_PATH="$work/db.sqlite3" VAR_DIR="$work/var"
export DEBUG=false SECRET_KEY="schemathesis-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export SECURE_HSTS_SECONDS=0 API_RATE_LIMIT=1000000/min ALLOWED_HOSTS=127.0.0.1
export CELERY_TASK_ALWAYS_EAGER=true

"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py load_seeds >/dev/null
"$BIN/python" manage.py create_demo_users >/dev/null
token=$("$BIN/python" manage.py create_api_token analyst --name schemathesis)

port=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN/gunicorn" roadmap_portal.wsgi --bind "127.0.0.1:$port" --workers 4 --timeout 60 \
  --log-level warning --error-logfile "$work/gunicorn.log" >>"$work/gunicorn.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null; then break; fi
  sleep 0.5
done

hooks_dir="$PWD/.ci"
run_schemathesis() {
  # from the scratch folder: schemathesis keeps a crash cache in .schemathesis/ of its cwd
  cd "$work" && PYTHONPATH="$hooks_dir" SCHEMATHESIS_HOOKS=schemathesis_hooks \
    "$BIN/schemathesis" run "http://127.0.0.1:$port/api/v1/schema/" \
    --header "Authorization: Token $token" \
    --checks not_a_server_error \
    --max-examples "$EXAMPLES" \
    --phases examples,coverage,fuzzing \
    --workers 1 \
    --seed "${SCHEMATHESIS_SEED:-9}" \
    --request-timeout 30 \
    --no-shrink \
    --generation-database none \
    --warnings off "$@"
}
# two processes over halves of the schema (one worker each, see above) halve the time
half='^/api/v1/(measures|index|cascade|alerts)'
status=0
run_schemathesis --include-path-regex "$half" >"$work/st-1.log" 2>&1 &
first=$!
run_schemathesis --exclude-path-regex "$half" >"$work/st-2.log" 2>&1 &
second=$!
wait "$first" || status=$?
wait "$second" || status=$?
cat "$work/st-1.log" "$work/st-2.log"
if [ "$status" -ne 0 ]; then
  echo "== server log (gunicorn)"
  tail -n 200 "$work/gunicorn.log" || true
fi
exit "$status"
