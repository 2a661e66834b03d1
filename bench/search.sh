#!/usr/bin/env bash
# Full-text search as the archive grows. For each size, loads the demo newsroom plus that many
# synthetic articles (three locales each, ~3 KB bodies drawn from a small vocabulary, so a
# common word is in every article) into a fresh database, then measures with the response cache
# off (every request reads the index), at 32 connections:
#   - a baseline route (GET /healthz),
#   - a selective search: the number in one title (one result), rotating over 2,000 of them,
#   - a search for a word in every article (ranks all of them for one page of 20),
#   - a two-word phrase search,
#   - suggestions for a title prefix: selective (a number's first digits) and common.
# Prints req/s, p50, p99 and the ratio to the baseline, the load time and the database size;
# results go to bench/results/search.txt.
#
#   bench/search.sh                                 # SQLite and PostgreSQL, 10k and 100k
#   SQLITE_SIZES="10000" PG_SIZES="" bench/search.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-8s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18591}"
SQLITE_SIZES="${SQLITE_SIZES-10000 100000}"
PG_SIZES="${PG_SIZES-10000 100000}"
PG_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
# Slow searches are measured, not dropped: wrk waits this long for an answer.
export TIMEOUT="${TIMEOUT:-30s}"

cargo build --release --locked 2>&1 | tail -n 1
mkdir -p bench/results
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${PG_SIZES}" ] && psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_search' >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source bench/lib.sh

# drain: waits until the searches a run left running are done (a rare word answers fast).
drain() {
  for _ in $(seq 1 120); do
    local took
    took=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/v1/search?locale=tr&q=zzz$RANDOM")
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 0.2 else 1)' "$took" && return
    sleep 0.5
  done
}

# run_size BACKEND SIZE
run_size() {
  local backend=$1 size=$2 url bytes seconds
  rm -f "$work/rows" "$work/server.log"
  rm -rf "$work/data"
  case "$backend" in
    sqlite) url="sqlite://$work/data/cms.sqlite3" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_search' -c 'CREATE DATABASE cms_search' >/dev/null
      url="$PG_URL/cms_search"
      ;;
  esac
  echo "== $backend: loading $size synthetic articles"
  seconds=$(load_demo "$url" "$size")
  case "$backend" in
    sqlite) bytes=$(cat "$work"/data/cms.sqlite3* | wc -c) ;;
    postgres) bytes=$(psql "$PG_URL/postgres" -tAc "SELECT pg_database_size('cms_search')") ;;
  esac
  start_server "$url" RESPONSE_CACHE_MB=0
  # Synthetic titles end with their number: each number is one article's.
  python3 -c '
import random, sys
size = int(sys.argv[1])
random.seed(7)
for _ in range(2000):
    print("/api/v1/search?locale=tr&q=%d" % random.randrange(size))
' "$size" >"$work/selective.txt"
  measure "baseline GET /healthz" /healthz
  measure_rotating "search, one result (2,000 rotating)" "$work/selective.txt"
  drain
  measure "suggest, selective prefix" "/api/v1/search/suggest?locale=tr&q=1234"
  drain
  measure "suggest, common prefix" "/api/v1/search/suggest?locale=tr&q=eko"
  drain
  measure "search, a phrase" "/api/v1/search?locale=tr&q=%22haber%20ekonomi%22"
  drain
  measure "search, a word in every article" "/api/v1/search?locale=tr&q=ekonomi"
  stop_server
  {
    echo "backend: $backend, $size synthetic articles, loaded in ${seconds} s, database $((bytes / 1048576)) MiB, peak RSS $((peak_kb / 1024)) MiB, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
    print_rows
    echo
  } | tee -a bench/results/search.txt
}

: >bench/results/search.txt
for size in $SQLITE_SIZES; do run_size sqlite "$size"; done
if [ -n "$PG_SIZES" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    for size in $PG_SIZES; do run_size postgres "$size"; done
  else
    echo "PostgreSQL is not reachable; skipping it."
  fi
fi
