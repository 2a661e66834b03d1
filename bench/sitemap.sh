#!/usr/bin/env bash
# Measures the sitemaps over many articles: the index, then every article file of one locale
# (time to first byte, total time, size, URLs), and the server's memory before and after
# (the files are written as a stream, so it must stay near the idle server's). SQLite by
# default; pass a postgres:// URL as the first argument for PostgreSQL.
#
#   ARTICLES=100000 bench/sitemap.sh [DATABASE_URL]
#
# Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES="${ARTICLES:-100000}"
PORT="${PORT:-18495}"
LOCALE="${LOCALE:-fr}"

cargo build --release --locked 2>&1 | tail -n 1

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
database_url="${1:-sqlite://$work/cms.sqlite3}"
mkdir -p bench/results
run_env=(env -i PATH="$PATH" DATABASE_URL="$database_url" DATA_DIR="$work/data" BIND="127.0.0.1:$PORT"
  PUBLIC_API_URL="http://127.0.0.1:$PORT" JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 LOG_LEVEL=warn)

start=$(date +%s)
"${run_env[@]}" ./target/release/cms demo --articles "$ARTICLES" >/dev/null
echo "loaded $ARTICLES synthetic articles in $(( $(date +%s) - start )) s"

"${run_env[@]}" ./target/release/cms serve &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
sleep 1
rss() { awk "/$1/ {print int(\$2 / 1024)}" "/proc/$server/status"; }
idle=$(rss VmRSS)
echo "idle RSS: $idle MiB"

curl -s -o "$work/index.xml" -w 'index: %{time_starttransfer}s to first byte, %{time_total}s, %{size_download} bytes\n' \
  "http://127.0.0.1:$PORT/sitemap.xml"
files=$(grep -o "http://127.0.0.1:$PORT/sitemaps/$LOCALE/articles-[0-9]*.xml" "$work/index.xml")
echo "article files of $LOCALE: $(echo "$files" | wc -l)"
: >"$work/rows"
for file in $files; do
  line=$(curl -s -o "$work/file.xml" -w '%{time_starttransfer} %{time_total} %{size_download}' "$file")
  urls=$(grep -o '<url>' "$work/file.xml" | wc -l)
  read -r ttfb total size <<<"$line"
  printf '%-48s first byte %6.3f s, total %6.3f s, %9d bytes, %6d URLs\n' "${file#*/sitemaps/}" "$ttfb" "$total" "$size" "$urls"
  echo "${file#*/sitemaps/}|$ttfb|$total|$size|$urls" >>"$work/rows"
done
after=$(rss VmRSS)
peak=$(rss VmHWM)
echo "RSS after: $after MiB (idle $idle MiB); peak RSS of the process: $peak MiB"
{
  echo "articles|$ARTICLES"
  echo "idle RSS (MiB)|$idle"
  echo "RSS after (MiB)|$after"
  echo "peak RSS (MiB)|$peak"
  cat "$work/rows"
} >"bench/results/sitemap-${database_url%%:*}.txt"
