#!/usr/bin/env bash
# Measures recorded reads: the POST /articles/{id}/views requests per second one instance
# ingests with no error, from many readers (a random client address per request, believed
# through X-Forwarded-For) reading 100 articles, beside a static baseline route (/healthz)
# measured in the same run. Then it stops the server gracefully (which writes the last counts)
# and checks that the database holds exactly the reads the server counted, and how many
# transactions wrote them. SQLite by default; pass a postgres:// URL as the first argument for
# PostgreSQL (the database it names is dropped and created afresh, and dropped at the end).
#
#   bench/views.sh [DATABASE_URL]
#   DURATION=5s bench/views.sh
#
# Installs wrk from Debian's packages when it is missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
ARTICLES="${ARTICLES:-1000}"
PORT="${PORT:-18780}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --locked 2>&1 | tail -n 1

work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
database_url="${1:-sqlite://$work/cms.sqlite3}"
backend=${database_url%%:*}
mkdir -p bench/results
if [ "$backend" = postgres ]; then
  name=${database_url##*/}
  psql "${database_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; psql "${database_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null' EXIT
fi

env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work" LOG_LEVEL=warn \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  ./target/release/cms demo --articles "$ARTICLES" >/dev/null
env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work" BIND="127.0.0.1:$PORT" \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn DATABASE_POOL_SIZE=16 \
  TRUSTED_PROXIES=127.0.0.1/32 RATE_LIMIT_VIEWS_PER_IP=1000000 ${BENCH_ENV:-} \
  ./target/release/cms serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

articles=$(curl -sf "http://127.0.0.1:$PORT/api/v1/articles?per_page=100" |
  python3 -c 'import json,sys; print(",".join(str(a["id"]) for a in json.load(sys.stdin)["data"]))')

cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA
{ echo "articles = {$articles}"; cat <<'LUA'; cat "$work/report.lua"; } >"$work/view.lua"
setup = function(thread) thread:set("seed", math.random(1, 1000000)) end
init = function() math.randomseed(seed) end
request = function()
  local address = math.random(1, 223) .. "." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("POST", "/api/v1/articles/" .. articles[math.random(#articles)] .. "/views",
    {["X-Forwarded-For"] = address})
end
LUA

run() { # name script path
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/$2" "http://127.0.0.1:$PORT$3" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  printf '%-34s %10s %9s %9s %7s %9s\n' "$1" "$rps" "$p50" "$p99" "$errors" "$total"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}

metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

{
  echo "backend: $backend, 100 articles, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
  printf '%-34s %10s %9s %9s %7s %9s\n' route "req/s" "p50 ms" "p99 ms" errors requests
  run "baseline GET /healthz" report.lua /healthz
  run "POST view (random reader)" view.lua /
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  echo "peak RSS: $((rss_kb / 1024)) MiB"
  baseline=$(awk -F'|' 'NR==1 {print $2}' "$work/rows")
  awk -F'|' -v b="$baseline" 'NR>1 {printf "%-34s throughput ratio to baseline: %.4f\n", $1, $2/b}' "$work/rows"
  counted=$(metric article_reads_counted_total)
  writes_before_stop=$(metric article_reads_writes_total)
  kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
  echo "reads counted: $counted, in $writes_before_stop write transactions before the stop (+1 at the stop)"
  # The counts written equal the reads counted.
  if [ "$backend" = postgres ]; then
    stored=$(psql "$database_url" -tAc "SELECT COALESCE(SUM(count), 0) FROM article_reads")
  else
    stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COALESCE(SUM(count), 0) FROM article_reads").fetchone()[0])' "${database_url#sqlite://}")
  fi
  echo "reads stored: $stored"
  [ "$stored" = "$counted" ] || { echo "stored reads differ from the reads counted"; exit 1; }
} | tee "bench/results/views-$backend.txt"
grep -ci ' error\|panick' "$work/server.log" | xargs -I{} echo "server log errors: {}" | tee -a "bench/results/views-$backend.txt"
