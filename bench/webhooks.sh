#!/usr/bin/env bash
# Measures webhooks: the cost of an article save (PUT of a translation, as an editor) with two
# endpoints subscribed to every event, as a ratio to the same save with none, and the events
# delivered per second to a local receiver (a Node.js HTTP server on loopback answering 204), with
# the static baseline (/healthz) measured in the same run. Each save makes one event per site
# locale the article is served in (four in the demo), so one save is eight deliveries.
# SQLite by default; pass a postgres:// URL for PostgreSQL (the database it names is dropped and
# created afresh, and dropped at the end).
#
#   bench/webhooks.sh [DATABASE_URL]
#   DURATION=5s bench/webhooks.sh
#
# Installs wrk from Debian's packages when it is missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-8}"
ARTICLES="${ARTICLES:-1000}"
PORT="${PORT:-18690}"
RECEIVER_PORT="${RECEIVER_PORT:-18691}"

cargo build --release --locked 2>&1 | tail -n 1
work=$(mktemp -d)
server=""
receiver=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$receiver" ] && kill "$receiver" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
source bench/lib.sh
database_url="${1:-sqlite://$work/cms.sqlite3}"
backend=${database_url%%:*}
mkdir -p bench/results
if [ "$backend" = postgres ]; then
  name=${database_url##*/}
  psql "${database_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  trap 'cleanup; psql "${database_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null' EXIT
fi

# The receiver (Node.js, whose HTTP server keeps up with thousands of requests a second on one
# core): counts what it gets, answers 204; GET / tells the count.
cat >"$work/receiver.js" <<'JS'
let count = 0;
require("http").createServer((req, res) => {
  if (req.method === "GET") { res.end(String(count)); return; }
  req.on("data", () => {});
  req.on("end", () => { count += 1; res.writeHead(204); res.end(); });
}).listen(Number(process.argv[2]), "127.0.0.1");
JS
node "$work/receiver.js" "$RECEIVER_PORT" &
receiver=$!

load_demo "$database_url" "$ARTICLES" >/dev/null
start_server "$database_url" ADMIN_EMAIL=bench@newsroom.test ADMIN_PASSWORD=bench-password-1 \
  WEBHOOK_ALLOW_PRIVATE=true WEBHOOK_CONCURRENCY=32 RATE_LIMIT_AUTH_PER_IP=100000
token=$(curl -sf -H 'content-type: application/json' \
  -d '{"email":"bench@newsroom.test","password":"bench-password-1"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
articles=$(curl -sf -H "authorization: Bearer $token" \
  "http://127.0.0.1:$PORT/api/v1/admin/articles?status=published&per_page=100" |
  python3 -c 'import json,sys; print(",".join(str(a["id"]) for a in json.load(sys.stdin)["data"]))')
{ cat <<LUA; cat "$work/report.lua"; } >"$work/save.lua"
local articles = {$articles}
local n = 0
request = function()
  n = n + 1
  local article = articles[math.random(#articles)]
  return wrk.format("PUT", "/api/v1/admin/articles/" .. article .. "/translations/en",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
    '{"title":"Saved ' .. n .. '","body":"<p>Words ' .. n .. '</p>","status":"published"}')
end
LUA
save() { # name
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/save.lua" "http://127.0.0.1:$PORT" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}
pending() { # endpoint id: its pending deliveries
  curl -sf -H "authorization: Bearer $token" \
    "http://127.0.0.1:$PORT/api/v1/admin/webhooks/$1/deliveries?status=pending&per_page=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["total"])'
}

measure "baseline GET /healthz" /healthz
save "article save, no endpoint"
hooks=()
for _ in 1 2; do
  hooks+=("$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"events\":[\"*\"]}" \
    "http://127.0.0.1:$PORT/api/v1/admin/webhooks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')")
done
save "article save, 2 endpoints"
# Delivery: what the receiver got while the saves ran, then until nothing is pending.
started=$(date +%s.%N)
during=$(curl -sf "http://127.0.0.1:$RECEIVER_PORT/")
for _ in $(seq 1 1200); do
  [ "$(pending "${hooks[0]}")" = 0 ] && [ "$(pending "${hooks[1]}")" = 0 ] && break
  sleep 0.25
done
finished=$(date +%s.%N)
delivered=$(curl -sf "http://127.0.0.1:$RECEIVER_PORT/")
stop_server

{
  echo "backend: $backend, $ARTICLES synthetic articles + demo, $CONNECTIONS connections, $DURATION per run, $(nproc) cores"
  print_rows
  awk -F'|' '/no endpoint/ {a=$2} /2 endpoints/ {b=$2} END {printf "save with 2 endpoints / save with none: %.3f\n", b/a}' "$work/rows"
  python3 - "$during" "$delivered" "$started" "$finished" "$DURATION" <<'PY'
import sys
during, delivered = int(sys.argv[1]), int(sys.argv[2])
started, finished = float(sys.argv[3]), float(sys.argv[4])
duration = float(sys.argv[5].rstrip("s"))
drain = finished - started
print(f"deliveries received: {during} during {duration:.0f} s of saves, {delivered - during} in the {drain:.1f} s after")
if drain > 0.5:
    print(f"events delivered per second, the server doing nothing else: {(delivered - during) / drain:.0f}")
print(f"events delivered per second, overall: {delivered / (duration + drain):.0f}")
PY
} | tee "bench/results/webhooks-$backend.txt"
grep -ci ' error\|panick' "$work/server.log" | xargs -I{} echo "server log errors: {}" | tee -a "bench/results/webhooks-$backend.txt"
