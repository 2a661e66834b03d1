#!/usr/bin/env bash
# Real-browser test: headless Chromium opens page.html from one loopback origin and the page uses
# the CMS API on another (cross-origin fetch, so CORS and preflights are exercised): French
# articles, an article by slug and its ETag revalidated to 304, a visitor token, a reaction, a
# comment with markup-like text read back exactly as typed. The page logs each step into the DOM;
# check.py asserts on the DOM Chromium dumps and on the server's request log.
#
# usage: .ci/browser/run.sh <path-to-cms-binary> [DATABASE_URL]
#   no DATABASE_URL: a fresh SQLite database in a temp dir.
#   postgres://…:    a fresh database is created next to the one named (createdb) and dropped
#                    at the end, e.g. postgres://postgres@127.0.0.1:5432/postgres
# env: BROWSER_CORS_ALLOWLIST=1 runs the server with CORS_ALLOWED_ORIGINS set to the page's
#      origin instead of the default `*`. KEEP_TMP=1 keeps the temp dir (logs, DOM).
#
# Installs chromium (and python3, and the PostgreSQL client for a postgres URL) with apt when
# missing. Exits non-zero, printing the DOM and the logs, when anything fails.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 <path-to-cms-binary> [DATABASE_URL]" >&2; exit 2; }
cms="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$cms" ] || { echo "not an executable: $1" >&2; exit 2; }
db_arg="${2:-}"
started=$(date +%s)

# ---- dependencies -------------------------------------------------------------------------
sudo_=""
[ "$(id -u)" -eq 0 ] || sudo_="sudo"
apt_install() {
  echo "== apt-get install $*"
  if ! $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; then
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  fi
}
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
case "$db_arg" in
  postgres://*|postgresql://*)
    { command -v createdb >/dev/null 2>&1 && command -v dropdb >/dev/null 2>&1; } \
      || missing+=(postgresql-client) ;;
esac
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
chromium=/usr/bin/chromium

# ---- cleanup --------------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cms-browser.XXXXXX")"
cms_pid=""
http_pid=""
pg_db=""
pg_admin_url=""
stop() { # stop PID: TERM, then KILL after 10 s
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e
  [ -z "$http_pid" ] || stop "$http_pid"
  [ -z "$cms_pid" ] || stop "$cms_pid"
  if [ -n "$pg_db" ]; then
    dropdb --maintenance-db="$pg_admin_url" --if-exists "$pg_db" \
      || echo "warning: could not drop database $pg_db" >&2
  fi
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# wait_http URL PID WHAT: until URL answers 200, while PID lives, for at most 30 s
wait_http() {
  local i
  for i in $(seq 1 300); do
    if ! kill -0 "$2" 2>/dev/null; then echo "$3 exited before answering" >&2; return 1; fi
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" \
        >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "$3 did not answer $1 within 30 s" >&2
  return 1
}
show_logs() {
  echo "--- cms log (last 80 lines)"; tail -n 80 "$tmp/cms.log" 2>/dev/null || true
  echo "--- static server log (last 20 lines)"; tail -n 20 "$tmp/http.log" 2>/dev/null || true
  echo "--- chromium console"; grep -a ':CONSOLE' "$tmp/chromium.err" 2>/dev/null || true
  echo "--- chromium stderr, D-Bus noise left out (last 30 lines)"
  grep -av -e ':CONSOLE' -e 'dbus' -e 'DBus' "$tmp/chromium.err" 2>/dev/null | tail -n 30 || true
}

# ---- database -------------------------------------------------------------------------------
case "$db_arg" in
  "")
    database_url="sqlite://$tmp/cms.sqlite3" ;;
  postgres://*|postgresql://*)
    pg_admin_url="$db_arg"
    pg_db="cms_browser_$$_$(date +%s)"
    createdb --maintenance-db="$pg_admin_url" "$pg_db"
    database_url="$(python3 -c '
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + sys.argv[2], u.query, u.fragment)))
' "$pg_admin_url" "$pg_db")"
    ;;
  *)
    echo "DATABASE_URL must be postgres://… (or omitted for SQLite): $db_arg" >&2; exit 2 ;;
esac
echo "== database: ${database_url%%://*} ($( [ -n "$pg_db" ] && echo "$pg_db" || echo "$tmp/cms.sqlite3"))"

# ---- servers --------------------------------------------------------------------------------
api_port="$(free_port)"
page_port="$(free_port)"
while [ "$page_port" = "$api_port" ]; do page_port="$(free_port)"; done
api_origin="http://127.0.0.1:$api_port"
page_origin="http://localhost:$page_port" # another host and port: another origin

cors="*"
[ "${BROWSER_CORS_ALLOWLIST:-}" != 1 ] || cors="$page_origin"

mkdir -p "$tmp/data" "$tmp/cwd"
# The working directory is empty so that no developer's .env is read.
(
  cd "$tmp/cwd"
  exec env \
    DATABASE_URL="$database_url" \
    DATA_DIR="$tmp/data" \
    BIND="127.0.0.1:$api_port" \
    ADMIN_EMAIL="admin@browser-ci.example" \
    ADMIN_PASSWORD="browser-ci admin password $$" \
    CORS_ALLOWED_ORIGINS="$cors" \
    COMMENT_MODERATION=post \
    LOG_FORMAT=json \
    LOG_LEVEL=info \
    SHUTDOWN_TIMEOUT=2 \
    "$cms" serve --demo
) >"$tmp/cms.log" 2>&1 &
cms_pid=$!
echo "== cms on $api_origin (CORS_ALLOWED_ORIGINS=$cors)"
wait_http "$api_origin/readyz" "$cms_pid" "cms" || { show_logs; exit 1; }

python3 -m http.server --bind 127.0.0.1 --directory "$here" "$page_port" >"$tmp/http.log" 2>&1 &
http_pid=$!
echo "== page on $page_origin"
wait_http "http://127.0.0.1:$page_port/page.html" "$http_pid" "static server" || { show_logs; exit 1; }

# ---- browser --------------------------------------------------------------------------------
page_url="$page_origin/page.html?api=$api_origin"
echo "== chromium $($chromium --version 2>/dev/null | head -n 1) opens $page_url"
# --virtual-time-budget: the dump waits until the page has been idle (no fetch in flight) for
# that much virtual time, i.e. until the async steps are done; `timeout` bounds the real time.
rc=0
timeout 60 "$chromium" \
  --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --no-first-run --no-default-browser-check --disable-extensions \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/profile" --enable-logging=stderr --log-level=0 \
  --virtual-time-budget=20000 \
  --dump-dom "$page_url" >"$tmp/dom.html" 2>"$tmp/chromium.err" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "chromium exited with $rc" >&2
fi

# ---- verdict --------------------------------------------------------------------------------
if [ "$rc" -eq 0 ] && python3 "$here/check.py" "$tmp/dom.html" "$page_origin" "$api_origin" "$tmp/cms.log"; then
  echo "== browser test passed in $(( $(date +%s) - started )) s"
  exit 0
fi
echo "--- DOM"
cat "$tmp/dom.html" 2>/dev/null || true
show_logs
echo "== browser test FAILED" >&2
exit 1
