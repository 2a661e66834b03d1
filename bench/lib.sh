# What the read benchmarks share (sourced by run.sh and scale.sh): wrk and its Lua scripts, the
# server's start and stop with its peak RSS, and the rotation set of article slugs.
# Expects PORT, CONNECTIONS, DURATION and a temporary directory in $work.

if ! command -v wrk >/dev/null 2>&1; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

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

# measure NAME PATH [HEADER]: one wrk run on PATH, appended to $work/rows.
measure() {
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" --timeout "${TIMEOUT:-2s}" -s "$work/report.lua")
  [ -n "${3:-}" ] && args+=(-H "$3")
  local line
  line=$(wrk "${args[@]}" "http://127.0.0.1:$PORT$2" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}

# measure_rotating NAME FILE: one wrk run over the paths in FILE, appended to $work/rows.
measure_rotating() {
  PATHS_FILE="$2" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout "${TIMEOUT:-2s}" -s "$work/rotate.lua" \
    "http://127.0.0.1:$PORT" | awk -v name="$1" '/^RESULT/ {print name"|"$2"|"$3"|"$4"|"$5"|"$6}' >>"$work/rows"
}

# collect_slugs COUNT FILE: the paths of COUNT published Turkish articles, newest first,
# walked page by page with the list's cursor.
collect_slugs() {
  : >"$2"
  local next="/api/v1/articles?locale=tr&per_page=100&count=false"
  while [ "$(wc -l <"$2")" -lt "$1" ]; do
    next=$(curl -sf "http://127.0.0.1:$PORT$next" | python3 -c '
import json, sys
page = json.load(sys.stdin)
with open(sys.argv[1], "a") as out:
    for a in page["data"]:
        out.write("/api/v1/articles/" + a["slug"] + "?locale=tr\n")
print("/api/v1/articles?locale=tr&per_page=100&count=false&cursor=" + page["meta"]["next_cursor"])
' "$2")
  done
}

# start_server URL [VAR=VALUE…]: starts `cms serve` and waits until it is ready.
start_server() {
  ( exec env -i PATH="$PATH" DATABASE_URL="$1" DATA_DIR="$work/data" BIND="127.0.0.1:$PORT" \
      JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn DATABASE_POOL_SIZE=16 \
      "${@:2}" ./target/release/cms serve ) >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    kill -0 "$server" 2>/dev/null || break
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return
    sleep 0.1
  done
  echo "the server did not start:"; cat "$work/server.log"; exit 1
}

# stop_server: stops it; its peak RSS goes to $peak_kb.
stop_server() {
  peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

# load_demo URL ARTICLES: the demo newsroom plus ARTICLES synthetic articles; prints seconds.
load_demo() {
  local start
  start=$(date +%s)
  env -i PATH="$PATH" DATABASE_URL="$1" DATA_DIR="$work/data" LOG_LEVEL=warn \
    JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 ./target/release/cms demo --articles "$2" >/dev/null
  echo $(($(date +%s) - start))
}

# print_rows: the rows measured so far, each with its ratio to the baseline above it.
print_rows() {
  printf '%-34s %10s %9s %9s %7s %8s\n' route "req/s" "p50 ms" "p99 ms" errors ratio
  awk -F'|' '/^baseline/ {b=$2} {printf "%-34s %10s %9s %9s %7s %8.3f\n", $1, $2, $3, $4, $5, $2/b}' "$work/rows"
}
