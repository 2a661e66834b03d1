#!/usr/bin/env bash
# Reads while an editor writes: wrk reads 2,000 different articles by slug (rotating, cache on)
# for DURATION, once with no writes and once while an editor saves a draft of another article
# every second. Prints both runs' req/s, the share of reads served from the response cache
# (`X-Cache: HIT`, counted by wrk), and the throughput of the run with writes as a ratio to the
# run without. Purges by tag keep the other articles' reads cached; a write that emptied the
# whole cache would put every reader back on the slow path once a second.
#
#   bench/mixed.sh                 # SQLite and PostgreSQL
#   BACKENDS=sqlite DURATION=10s bench/mixed.sh
#
# Installs wrk from Debian's packages when it is missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES="${ARTICLES:-10000}"
READ_SET="${READ_SET:-2000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18581}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
ADMIN_EMAIL=bench@newsroom.test
ADMIN_PASSWORD=bench-password-1

cargo build --release --locked 2>&1 | tail -n 1
mkdir -p bench/results

work=$(mktemp -d)
server=""
writer=""
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source bench/lib.sh

# Rotates over the paths in paths.txt; counts X-Cache: HIT per thread and sums them at the end.
cat >"$work/rotate.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end
function init(args)
  n = id * 997
  hits = 0
  answers = 0
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
function response(status, headers, body)
  answers = answers + 1
  if headers["X-Cache"] == "HIT" or headers["x-cache"] == "HIT" then hits = hits + 1 end
end
function done(summary, latency, requests)
  local hits, answers = 0, 0
  for _, thread in ipairs(threads) do
    hits = hits + thread:get("hits")
    answers = answers + thread:get("answers")
  end
  io.write(string.format("RESULT %.1f %.3f %.3f %.4f\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    answers > 0 and hits / answers or 0))
end
LUA

api() { curl -sf "http://127.0.0.1:$PORT$1" "${@:2}"; }

for backend in $BACKENDS; do
  rm -rf "$work/data" "$work/server.log"
  case "$backend" in
    sqlite) url="sqlite://$work/data/cms.sqlite3" ;;
    postgres)
      if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        echo "PostgreSQL is not reachable; skipping it."
        continue
      fi
      psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_mixed' -c 'CREATE DATABASE cms_mixed' >/dev/null
      url="$PG_URL/cms_mixed"
      ;;
    *) echo "unknown backend $backend"; exit 2 ;;
  esac
  echo "== $backend: loading the demo newsroom and $ARTICLES synthetic articles"
  load_demo "$url" "$ARTICLES" >/dev/null
  start_server "$url" ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD"

  # The read set: the slugs of READ_SET published Turkish articles.
  : >"$work/paths.txt"
  page=1
  while [ "$(wc -l <"$work/paths.txt")" -lt "$READ_SET" ]; do
    api "/api/v1/articles?locale=tr&per_page=100&page=$page" |
      python3 -c 'import json,sys; [print("/api/v1/articles/" + a["slug"] + "?locale=tr") for a in json.load(sys.stdin)["data"]]' >>"$work/paths.txt"
    page=$((page + 1))
  done
  head -n "$READ_SET" "$work/paths.txt" >"$work/read.txt"

  # The editor's draft: an article of its own, outside the read set.
  token=$(api /api/v1/auth/login -H 'content-type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  category=$(api "/api/v1/categories?locale=tr" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
  author=$(api "/api/v1/authors" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
  draft=$(api /api/v1/admin/articles -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"category_id\":$category,\"author_ids\":[$author],\"translations\":{\"tr\":{\"title\":\"Taslak\",\"body\":\"<p>Taslak.</p>\"}}}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')

  run() {
    PATHS_FILE="$work/read.txt" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/rotate.lua" \
      "http://127.0.0.1:$PORT" | grep '^RESULT'
  }
  # Warm the cache with one pass over the read set, then measure without and with writes.
  PATHS_FILE="$work/read.txt" wrk -t2 -c"$CONNECTIONS" -d3s -s "$work/rotate.lua" "http://127.0.0.1:$PORT" >/dev/null
  read -r _ rps_alone p50_alone p99_alone hits_alone <<<"$(run)"
  (
    n=0
    while true; do
      n=$((n + 1))
      curl -sf -o /dev/null -X PUT "http://127.0.0.1:$PORT/api/v1/admin/articles/$draft/translations/tr" \
        -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d "{\"title\":\"Taslak $n\",\"body\":\"<p>Taslak $n.</p>\",\"status\":\"draft\"}" &&
        echo saved >>"$work/saves"
      sleep 1
    done
  ) &
  writer=$!
  : >"$work/saves"
  read -r _ rps_mixed p50_mixed p99_mixed hits_mixed <<<"$(run)"
  saves=$(wc -l <"$work/saves")
  kill "$writer"; wait "$writer" 2>/dev/null || true; writer=""
  kill "$server"; wait "$server" 2>/dev/null || true; server=""

  {
    echo "backend: $backend, $ARTICLES articles, reads rotating over $READ_SET slugs, $CONNECTIONS connections, $DURATION per run, $(nproc) cores"
    printf '%-36s %10s %9s %9s %9s\n' run "req/s" "p50 ms" "p99 ms" "hit ratio"
    printf '%-36s %10s %9s %9s %9s\n' "reads alone" "$rps_alone" "$p50_alone" "$p99_alone" "$hits_alone"
    printf '%-36s %10s %9s %9s %9s\n' "reads + a draft saved every second" "$rps_mixed" "$p50_mixed" "$p99_mixed" "$hits_mixed"
    echo "draft saves during the run: $saves"
    awk -v a="$rps_alone" -v m="$rps_mixed" 'BEGIN {printf "throughput with writes / without: %.3f\n", m / a}'
  } | tee "bench/results/mixed-$backend.txt"
  [ "$backend" = postgres ] && psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS cms_mixed' >/dev/null
done
