#!/usr/bin/env bash
# Measures the media library: uploads of 12-megapixel JPEG photos (ms per upload one at a time,
# uploads per second at 4 connections, peak RSS after 8 and after 32 uploads, which must not
# grow with their number), and serving a WebP variant beside a static baseline route
# (/healthz) measured in the same run. SQLite by default; pass a postgres:// URL as the first
# argument for PostgreSQL.
#
#   bench/media.sh [DATABASE_URL]
#
# Installs wrk from Debian's packages and Pillow (to draw the photos) into a temporary folder
# when missing. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18490}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --locked 2>&1 | tail -n 1

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
database_url="${1:-sqlite://$work/cms.sqlite3}"
mkdir -p bench/results

# 40 distinct 4000 × 3000 photos (a landscape with grain, so every upload is new content).
PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --target "$work/py" pillow
PYTHONPATH="$work/py" python3 - "$work" <<'PY'
import random, sys
from PIL import Image, ImageDraw, ImageFilter
work = sys.argv[1]
for n in range(40):
    rnd = random.Random(n)
    img = Image.new("RGB", (4000, 3000))
    draw = ImageDraw.Draw(img)
    for y in range(3000):
        t = y / 3000
        draw.line([(0, y), (3999, y)], fill=(int(60 + 150 * t), int(90 + 120 * t), int(160 + 60 * t)))
    for _ in range(60):
        x, y, r = rnd.randrange(4000), rnd.randrange(1200, 3000), rnd.randrange(80, 600)
        draw.ellipse([x - r, y - r // 3, x + r, y + r // 3], fill=(rnd.randrange(30, 120), rnd.randrange(40, 110), rnd.randrange(20, 80)))
    noise = Image.effect_noise((4000, 3000), 18).convert("RGB")
    img = Image.blend(img, noise, 0.12).filter(ImageFilter.GaussianBlur(0.6))
    img.save(f"{work}/photo-{n:02}.jpg", quality=90)
PY
echo "photo: $(du -k "$work/photo-00.jpg" | cut -f1) KiB, 4000 x 3000"

env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work/data" BIND="127.0.0.1:$PORT" \
  PUBLIC_API_URL="http://127.0.0.1:$PORT" \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn \
  ADMIN_EMAIL=bench@newsroom.test ADMIN_PASSWORD=bench-password-1 \
  ${BENCH_ENV:-} ./target/release/cms serve &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"email":"bench@newsroom.test","password":"bench-password-1"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

upload() { # photo number → prints "status seconds"
  curl -s -o "$work/upload-$1.json" -w '%{http_code} %{time_total}\n' \
    -H "Authorization: Bearer $token" -F "file=@$work/photo-$(printf %02d "$1").jpg" \
    "http://127.0.0.1:$PORT/api/v1/admin/media"
}
rss() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server/status"; }

backend=${database_url%%:*}
echo "backend: $backend, $(nproc) cores"
echo "-- one at a time (8 uploads)"
total=0
for n in $(seq 0 7); do
  read -r status seconds <<<"$(upload "$n")"
  [ "$status" = 201 ] || { echo "upload $n answered $status: $(cat "$work/upload-$n.json")"; exit 1; }
  total=$(python3 -c "print($total + $seconds)")
done
per_upload=$(python3 -c "print(round($total / 8 * 1000))")
rss_8=$(rss)
echo "ms per upload: $per_upload; peak RSS after 8 uploads: $rss_8 MiB"

echo "-- 4 connections (24 uploads)"
start=$(date +%s.%N)
seq 8 31 | xargs -P 4 -I{} bash -c "$(declare -f upload); work=$work token=$token PORT=$PORT upload {}" >"$work/parallel"
elapsed=$(python3 -c "import time; print(time.time() - $start)")
failed=$(awk '$1 != 201' "$work/parallel" | wc -l)
per_second=$(python3 -c "print(round(24 / $elapsed, 2))")
rss_32=$(rss)
echo "uploads/s at 4 connections: $per_second ($failed failed); peak RSS after 32 uploads: $rss_32 MiB"

variant=$(python3 -c "import json; print(json.load(open('$work/upload-0.json'))['data']['variants'][1]['url'])")
path="/media/${variant#*/media/}"
run() { # name path
  local line
  line=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT$2" | awk '/Requests\/sec/ {print $2}')
  printf '%-28s %10s req/s\n' "$1" "$line"
  echo "$1|$line" >>"$work/rows"
}
echo "-- serving ($CONNECTIONS connections, $DURATION each)"
run "baseline GET /healthz" /healthz
run "GET a 640 px WebP variant" "$path"
baseline=$(awk -F'|' 'NR==1 {print $2}' "$work/rows")
awk -F'|' -v b="$baseline" 'NR>1 {printf "%-28s throughput ratio to baseline: %.4f\n", $1, $2/b}' "$work/rows"
{
  echo "ms per upload (12 MP JPEG, one at a time)|$per_upload"
  echo "uploads/s at 4 connections|$per_second"
  echo "peak RSS after 8 uploads (MiB)|$rss_8"
  echo "peak RSS after 32 uploads (MiB)|$rss_32"
  cat "$work/rows"
} >"bench/results/media-$backend.txt"
