#!/usr/bin/env bash
# The read-path benchmark: loads the demo newsroom plus 10,000 synthetic articles (three locales
# each), starts `cms`, and drives it with wrk over loopback at 32 connections:
#   - a baseline route (GET /healthz: small constant JSON, no database),
#   - an article by slug, uncached (full 200) and cached (If-None-Match → 304),
#   - the first page of a category's article list, uncached and cached,
#   - an article list with per_page=50.
# It prints req/s, p50, p99 and each route's throughput as a ratio to the baseline measured in
# the same run, and the server's peak RSS. SQLite always; PostgreSQL too when reachable.
#
#   bench/run.sh                 # both backends
#   BACKENDS=sqlite bench/run.sh
#   ARTICLES=2000 DURATION=5s bench/run.sh
#
# Installs wrk from Debian's packages when it is missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES="${ARTICLES:-10000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18580}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --locked 2>&1 | tail -n 1
mkdir -p bench/results

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA

run_env() {
  env -i PATH="$PATH" DATABASE_URL="$1" DATA_DIR="$work/data" BIND="127.0.0.1:$PORT" \
    JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn \
    DATABASE_POOL_SIZE=16 "${@:2}"
}

# measure NAME PATH [HEADER]
measure() {
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/report.lua")
  [ -n "${3:-}" ] && args+=(-H "$3")
  local line
  line=$(wrk "${args[@]}" "http://127.0.0.1:$PORT$2" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}

for backend in $BACKENDS; do
  rm -f "$work/rows"
  rm -rf "$work/data"
  case "$backend" in
    sqlite) url="sqlite://$work/data/cms.sqlite3" ;;
    postgres)
      if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        echo "PostgreSQL is not reachable; skipping it."
        continue
      fi
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_bench' -c 'CREATE DATABASE cms_bench' >/dev/null
      url="$PG_URL/cms_bench"
      ;;
    *) echo "unknown backend $backend"; exit 2 ;;
  esac

  echo "== $backend: loading the demo newsroom and $ARTICLES synthetic articles"
  start=$(date +%s)
  run_env "$url" ./target/release/cms demo --articles "$ARTICLES" >/dev/null
  echo "   loaded in $(($(date +%s) - start)) s"

  run_env "$url" ./target/release/cms serve > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

  slug=$(curl -sf "http://127.0.0.1:$PORT/api/v1/articles?locale=tr&per_page=1&page=500" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')
  article="/api/v1/articles/$slug?locale=tr"
  category="/api/v1/articles?category=orta-asya&locale=tr"
  list50="/api/v1/articles?locale=fr&per_page=50"
  etag() { curl -sfI "http://127.0.0.1:$PORT$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }

  measure "baseline GET /healthz" /healthz
  measure "article by slug" "$article"
  measure "article by slug, cached" "$article" "If-None-Match: $(etag "$article")"
  measure "category list page 1" "$category"
  measure "category list, cached" "$category" "If-None-Match: $(etag "$category")"
  measure "article list per_page=50" "$list50"
  cms_pid=$(pgrep -P "$server" -f 'release/cms serve' || echo "$server")
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$cms_pid/status")
  kill "$server"; wait "$server" 2>/dev/null || true; server=""

  baseline=$(awk -F'|' 'NR==1 {print $2}' "$work/rows")
  {
    echo "backend: $backend, $ARTICLES synthetic articles, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
    printf '%-28s %10s %9s %9s %7s %8s\n' route "req/s" "p50 ms" "p99 ms" errors ratio
    awk -F'|' -v b="$baseline" '{printf "%-28s %10s %9s %9s %7s %8.3f\n", $1, $2, $3, $4, $5, $2/b}' "$work/rows"
    echo "peak RSS: $((rss_kb / 1024)) MiB"
  } | tee "bench/results/read-$backend.txt"
  [ "$backend" = postgres ] && psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_bench' >/dev/null
done
