#!/usr/bin/env bash
# The read-path benchmark: loads the demo newsroom plus 10,000 synthetic articles (three locales
# each), starts `cms`, and drives it with wrk over loopback at 32 connections:
#   - a baseline route (GET /healthz: small constant JSON, no database),
#   - an article by slug (uncached: rotating over 2,000 slugs), the first page of a category's
#     French article list (20 newest; also without the count, and 50 pages deep by cursor), a
#     tag's French list, an article list with per_page=50: uncached (response cache off, every
#     request reads the database), cached (served from the response cache) and conditional
#     (If-None-Match → 304).
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

# shellcheck source=bench/lib.sh
source bench/lib.sh

for backend in $BACKENDS; do
  rm -f "$work/rows" "$work/server.log"
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
  echo "   loaded in $(load_demo "$url" "$ARTICLES") s"

  # Uncached: the response cache off, every request goes to the database.
  start_server "$url" RESPONSE_CACHE_MB=0
  # 2,000 Turkish slugs; the first is the one cached runs read.
  collect_slugs 2000 "$work/slugs.txt"
  article=$(head -n 1 "$work/slugs.txt")
  category="/api/v1/articles?category=orta-asya&locale=fr"
  deep=$(curl -sf "http://127.0.0.1:$PORT/api/v1/articles?category=orta-asya&locale=fr&per_page=20&page=50&count=false" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["next_cursor"])')
  list50="/api/v1/articles?locale=fr&per_page=50"
  measure "baseline GET /healthz" /healthz
  measure_rotating "article by slug, 2,000 rotating" "$work/slugs.txt"
  measure "category list page 1 (fr)" "$category"
  measure "category list, count=false" "$category&count=false"
  measure "category list, page 51 by cursor" "$category&count=false&cursor=$deep"
  measure "tag list page 1 (fr)" "/api/v1/articles?tag=kazakhstan&locale=fr"
  measure "article list per_page=50" "$list50"
  stop_server
  uncached_rss_kb=$peak_kb

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
  rss_kb=$peak_kb

  {
    echo "backend: $backend, $ARTICLES synthetic articles, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
    # Each route's ratio is to the baseline of its own server run.
    print_rows
    echo "peak RSS: $((uncached_rss_kb / 1024)) MiB with the response cache off, $((rss_kb / 1024)) MiB with it on"
  } | tee "bench/results/read-$backend.txt"
  cp "$work/server.log" "bench/results/server-$backend.log"
  [ "$backend" = postgres ] && psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_bench' >/dev/null
done
