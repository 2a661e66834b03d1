#!/usr/bin/env bash
# Measures reactions: the PUT /articles/{key}/reactions/mine requests per second one instance
# sustains with no error, from many visitors reacting to many articles (each request a random
# visitor, article and kind, so both first reactions and changes of kind), beside a static
# baseline route (/healthz) and the exact-count read (GET …/reactions) measured in the same run.
# Afterwards it checks that the database holds at most one reaction per visitor and article.
# SQLite by default; pass a postgres:// URL as the first argument for PostgreSQL (the database
# it names is dropped and created afresh, and dropped at the end).
#
#   bench/reactions.sh [DATABASE_URL]
#   VISITORS=500 DURATION=5s bench/reactions.sh
#
# Installs wrk from Debian's packages when it is missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
VISITORS="${VISITORS:-2000}"
ARTICLES="${ARTICLES:-1000}"
PORT="${PORT:-18680}"

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
  # A fresh database of the URL's name, made on the server's `postgres` database.
  name=${database_url##*/}
  psql "${database_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; psql "${database_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null' EXIT
fi
limits=(RATE_LIMIT_VISITOR_PER_IP=1000000 RATE_LIMIT_REACTIONS_PER_ACTOR=1000000
  RATE_LIMIT_REACTIONS_PER_IP=1000000)

env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work" LOG_LEVEL=warn \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
  ./target/release/cms demo --articles "$ARTICLES" >/dev/null
env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work" BIND="127.0.0.1:$PORT" \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn DATABASE_POOL_SIZE=16 \
  "${limits[@]}" ${BENCH_ENV:-} ./target/release/cms serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

# Visitors' tokens and the ids of 100 published articles, as a Lua table for wrk.
python3 - "$PORT" "$VISITORS" >"$work/data.lua" <<'PY'
import json, sys, urllib.request
port, count = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}/api/v1"
def call(path, method="GET"):
    request = urllib.request.Request(base + path, method=method)
    with urllib.request.urlopen(request) as response:
        return json.load(response)
tokens = [call("/auth/visitor", "POST")["access_token"] for _ in range(count)]
articles = [a["id"] for a in call("/articles?per_page=100")["data"]]
print("tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}")
print("articles = {" + ",".join(str(a) for a in articles) + "}")
PY

cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA
{ cat "$work/data.lua"; cat <<'LUA'; cat "$work/report.lua"; } >"$work/react.lua"
local kinds = {"love", "applause", "funny", "amazing", "sad", "angry"}
local counter = 0
setup = function(thread) thread:set("seed", math.random(1, 1000000)) end
init = function() math.randomseed(seed) end
request = function()
  local token = tokens[math.random(#tokens)]
  local article = articles[math.random(#articles)]
  return wrk.format("PUT", "/api/v1/articles/" .. article .. "/reactions/mine",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
    '{"kind":"' .. kinds[math.random(#kinds)] .. '"}')
end
LUA
{ cat "$work/data.lua"; cat <<'LUA'; cat "$work/report.lua"; } >"$work/read.lua"
request = function()
  return wrk.format("GET", "/api/v1/articles/" .. articles[math.random(#articles)] .. "/reactions")
end
LUA

run() { # name script path
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/$2" "http://127.0.0.1:$PORT$3" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  printf '%-34s %10s %9s %9s %7s %9s\n' "$1" "$rps" "$p50" "$p99" "$errors" "$total"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}

{
  echo "backend: $backend, $VISITORS visitors, 100 articles, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
  printf '%-34s %10s %9s %9s %7s %9s\n' route "req/s" "p50 ms" "p99 ms" errors requests
  run "baseline GET /healthz" report.lua /healthz
  run "PUT reaction (random visitor)" react.lua /
  run "GET reactions (exact counts)" read.lua /
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  echo "peak RSS: $((rss_kb / 1024)) MiB"
  baseline=$(awk -F'|' 'NR==1 {print $2}' "$work/rows")
  awk -F'|' -v b="$baseline" 'NR>1 {printf "%-34s throughput ratio to baseline: %.4f\n", $1, $2/b}' "$work/rows"
  # Every reaction stored is one visitor's one reaction to one article.
  python3 - "$PORT" "$work/data.lua" <<'PY'
import json, re, sys, urllib.request
port, data = sys.argv[1], open(sys.argv[2]).read()
articles = re.search(r"articles = \{([^}]*)\}", data).group(1).split(",")
visitors = len(re.search(r"tokens = \{([^}]*)\}", data).group(1).split(","))
total = 0
for article in articles:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/articles/{article}/reactions") as r:
        total += json.load(r)["data"]["total"]
print(f"reactions stored: {total} (at most {visitors} visitors x {len(articles)} articles = {visitors * len(articles)})")
assert total <= visitors * len(articles)
PY
} | tee "bench/results/reactions-$backend.txt"
grep -ci ' error\|panick' "$work/server.log" | xargs -I{} echo "server log errors: {}" | tee -a "bench/results/reactions-$backend.txt"
