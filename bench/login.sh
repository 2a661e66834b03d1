#!/usr/bin/env bash
# Measures sign-in: the latency of one login and the logins per second one instance sustains,
# beside a static baseline route (/healthz) measured in the same run. SQLite by default; pass
# a postgres:// URL as the first argument for PostgreSQL.
#
#   bench/login.sh [DATABASE_URL]
#
# Installs wrk from Debian's packages when it is missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18480}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --locked 2>&1 | tail -n 1

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
database_url="${1:-sqlite://$work/cms.sqlite3}"
mkdir -p bench/results

env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work" BIND="127.0.0.1:$PORT" \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn \
  ADMIN_EMAIL=bench@newsroom.test ADMIN_PASSWORD=bench-password-1 \
  RATE_LIMIT_AUTH_PER_IP=1000000 RATE_LIMIT_LOGIN_PER_ACCOUNT=1000000 \
  ${BENCH_ENV:-} ./target/release/cms serve &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

cat > "$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email":"bench@newsroom.test","password":"bench-password-1"}'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA
cp "$work/login.lua" "$work/get.lua"
sed -i '1,3d' "$work/get.lua"

run() { # name connections script path
  local line
  line=$(wrk -t"$(( $2 < 2 ? 1 : 2 ))" -c"$2" -d"$DURATION" -s "$work/$3" "http://127.0.0.1:$PORT$4" | grep '^RESULT')
  read -r _ rps p50 p99 errors total <<<"$line"
  printf '%-24s %10s %9s %9s %7s %9s\n' "$1" "$rps" "$p50" "$p99" "$errors" "$total"
  echo "$1|$rps|$p50|$p99|$errors|$total" >>"$work/rows"
}

backend=${database_url%%:*}
echo "backend: $backend, $CONNECTIONS connections, $DURATION per route, $(nproc) cores"
printf '%-24s %10s %9s %9s %7s %9s\n' route "req/s" "p50 ms" "p99 ms" errors requests
run "baseline GET /healthz" "$CONNECTIONS" get.lua /healthz
run "login, 1 connection" 1 login.lua /api/v1/auth/login
run "login, $CONNECTIONS connections" "$CONNECTIONS" login.lua /api/v1/auth/login
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo "peak RSS: $((rss_kb / 1024)) MiB"
baseline=$(awk -F'|' 'NR==1 {print $2}' "$work/rows")
awk -F'|' -v b="$baseline" 'NR>1 {printf "%-24s throughput ratio to baseline: %.4f\n", $1, $2/b}' "$work/rows"
cp "$work/rows" "bench/results/login-$backend.txt"
