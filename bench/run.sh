#!/usr/bin/env bash
# The read-path benchmark: loads the demo newsroom plus 10,000 synthetic articles (three locales
# each), starts `cms`, and drives it with wrk over loopback at 32 connections:
#   - a baseline route (GET /healthz: small constant JSON, no database),
#   - an article by slug (uncached: rotating over 2,000 slugs), the first page of a category's
#     French article list (20 newest; also without the count, and 50 pages deep by cursor), an
#     article list with per_page=50: uncached (response cache off, every request reads the
#     database), cached (served from the response cache) and conditional (If-None-Match → 304).
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

# Rotates over the paths in $PATHS_FILE.
{
  cat <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
LUA
  cat "$work/report.lua"
} >"$work/rotate.lua"

# measure NAME PATH [HEADER]
measure() {
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/report.lua")
  [ -n "${3:-}" ] && args+=(-H "$3")
  local line
  line=$(wrk "${args[@]}" "http://127.0.0.1:$PORT$2" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}

# start_server URL [VAR=VALUE…]: starts `cms serve` and waits until it is ready.
start_server() {
  ( exec env -i PATH="$PATH" DATABASE_URL="$1" DATA_DIR="$work/data" BIND="127.0.0.1:$PORT" \
      JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn DATABASE_POOL_SIZE=16 \
      "${@:2}" ./target/release/cms serve ) >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    kill -0 "$server" 2>/dev/null || break
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return
    sleep 0.1
  done
  echo "the server did not start:"; cat "$work/server.log"; exit 1
}

stop_server() {
  peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  [ -z "${uncached_rss_kb:-}" ] && uncached_rss_kb=$peak_kb
  [ "${peak_kb:-0}" -gt "${rss_kb:-0}" ] && rss_kb=$peak_kb
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

for backend in $BACKENDS; do
  rm -f "$work/rows" "$work/server.log"
  rm -rf "$work/data"
  rss_kb=0
  uncached_rss_kb=""
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
  env -i PATH="$PATH" DATABASE_URL="$url" DATA_DIR="$work/data" LOG_LEVEL=warn \
    JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 ./target/release/cms demo --articles "$ARTICLES" >/dev/null
  echo "   loaded in $(($(date +%s) - start)) s"

  # Uncached: the response cache off, every request goes to the database.
  start_server "$url" RESPONSE_CACHE_MB=0
  # 2,000 Turkish slugs, walked by cursor; the first is the one cached runs read.
  : >"$work/slugs.txt"
  next="/api/v1/articles?locale=tr&per_page=100&count=false"
  while [ "$(wc -l <"$work/slugs.txt")" -lt 2000 ]; do
    next=$(curl -sf "http://127.0.0.1:$PORT$next" | python3 -c '
import json, sys
page = json.load(sys.stdin)
with open(sys.argv[1], "a") as out:
    for a in page["data"]:
        out.write("/api/v1/articles/" + a["slug"] + "?locale=tr\n")
print("/api/v1/articles?locale=tr&per_page=100&count=false&cursor=" + page["meta"]["next_cursor"])
' "$work/slugs.txt")
  done
  article=$(head -n 1 "$work/slugs.txt")
  category="/api/v1/articles?category=orta-asya&locale=fr"
  deep=$(curl -sf "http://127.0.0.1:$PORT/api/v1/articles?category=orta-asya&locale=fr&per_page=20&page=50&count=false" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["next_cursor"])')
  list50="/api/v1/articles?locale=fr&per_page=50"
  measure "baseline GET /healthz" /healthz
  PATHS_FILE="$work/slugs.txt" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/rotate.lua" \
    "http://127.0.0.1:$PORT" | awk '/^RESULT/ {print "article by slug, 2,000 rotating|"$2"|"$3"|"$4"|"$5"|"$6}' >>"$work/rows"
  measure "category list page 1 (fr)" "$category"
  measure "category list, count=false" "$category&count=false"
  measure "category list, page 51 by cursor" "$category&count=false&cursor=$deep"
  measure "article list per_page=50" "$list50"
  stop_server

  # Cached: the response cache on (after one warming request), and conditional requests.
  start_server "$url"
  etag() { curl -sf -D - -o /dev/null "http://127.0.0.1:$PORT$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }
  article_etag=$(etag "$article"); category_etag=$(etag "$category"); etag "$list50" >/dev/null
  echo "baseline GET /healthz (cached run)|$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/report.lua" "http://127.0.0.1:$PORT/healthz" | awk '/^RESULT/ {print $2"|"$3"|"$4"|"$5"|"$6}')" >>"$work/rows"
  measure "article by slug, cached" "$article"
  measure "article by slug, 304" "$article" "If-None-Match: $article_etag"
  measure "category list, cached" "$category"
  measure "category list, 304" "$category" "If-None-Match: $category_etag"
  measure "article list 50, cached" "$list50"
  # Compressed: each cached body is compressed once per coding and the bytes kept.
  measure "article by slug, cached, br" "$article" "Accept-Encoding: br"
  measure "category list, cached, br" "$category" "Accept-Encoding: br"
  measure "category list, cached, gzip" "$category" "Accept-Encoding: gzip"
  measure "category list, cached, zstd" "$category" "Accept-Encoding: zstd"
  stop_server

  {
    echo "backend: $backend, $ARTICLES synthetic articles, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
    printf '%-34s %10s %9s %9s %7s %8s\n' route "req/s" "p50 ms" "p99 ms" errors ratio
    # Each route's ratio is to the baseline of its own server run.
    awk -F'|' '/^baseline/ {b=$2} {printf "%-34s %10s %9s %9s %7s %8.3f\n", $1, $2, $3, $4, $5, $2/b}' "$work/rows"
    echo "peak RSS: $((uncached_rss_kb / 1024)) MiB with the response cache off, $((rss_kb / 1024)) MiB with it on"
  } | tee "bench/results/read-$backend.txt"
  cp "$work/server.log" "bench/results/server-$backend.log"
  [ "$backend" = postgres ] && psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_bench' >/dev/null
done
