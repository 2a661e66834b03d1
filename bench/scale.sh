#!/usr/bin/env bash
# How uncached reads hold as the archive grows. For each size, loads the demo newsroom plus that
# many synthetic articles (three locales each) into a fresh database, then measures with the
# response cache off (every request reads the database), at 32 connections:
#   - a baseline route (GET /healthz),
#   - an article by slug, rotating over the 2,000 newest Turkish slugs,
#   - the first page of a category's French list (20 newest), with and without the count.
# Prints req/s, p50, p99 and the ratio to the baseline, the load time, the database size and
# the server's peak RSS; results go to bench/results/scale.txt.
#
#   bench/scale.sh                                        # SQLite 10k, 100k, 1M; PostgreSQL 10k, 100k
#   SQLITE_SIZES="10000 100000" PG_SIZES="" bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-8s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18581}"
SQLITE_SIZES="${SQLITE_SIZES-10000 100000 1000000}"
PG_SIZES="${PG_SIZES-10000 100000}"
PG_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"

cargo build --release --locked 2>&1 | tail -n 1
mkdir -p bench/results
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${PG_SIZES}" ] && psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_scale' >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source bench/lib.sh

# run_size BACKEND SIZE
run_size() {
  local backend=$1 size=$2 url bytes seconds
  rm -f "$work/rows" "$work/server.log"
  rm -rf "$work/data"
  case "$backend" in
    sqlite) url="sqlite://$work/data/cms.sqlite3" ;;
    postgres)
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_scale' -c 'CREATE DATABASE cms_scale' >/dev/null
      url="$PG_URL/cms_scale"
      ;;
  esac
  echo "== $backend: loading $size synthetic articles"
  seconds=$(load_demo "$url" "$size")
  case "$backend" in
    sqlite) bytes=$(cat "$work"/data/cms.sqlite3* | wc -c) ;;
    postgres) bytes=$(psql "$PG_URL/postgres" -tAc "SELECT pg_database_size('cms_scale')") ;;
  esac
  start_server "$url" RESPONSE_CACHE_MB=0
  collect_slugs 2000 "$work/slugs.txt"
  local category="/api/v1/articles?category=orta-asya&locale=fr"
  measure "baseline GET /healthz" /healthz
  measure_rotating "article by slug, 2,000 rotating" "$work/slugs.txt"
  measure "category list page 1 (fr)" "$category"
  measure "category list, count=false" "$category&count=false"
  stop_server
  {
    echo "backend: $backend, $size synthetic articles, loaded in ${seconds} s, database $((bytes / 1048576)) MiB, peak RSS $((peak_kb / 1024)) MiB, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
    print_rows
    echo
  } | tee -a bench/results/scale.txt
}

: >bench/results/scale.txt
for size in $SQLITE_SIZES; do run_size sqlite "$size"; done
if [ -n "$PG_SIZES" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    for size in $PG_SIZES; do run_size postgres "$size"; done
  else
    echo "PostgreSQL is not reachable; skipping it."
  fi
fi
