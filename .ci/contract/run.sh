#!/usr/bin/env bash
# Contract checks of the committed OpenAPI document (openapi/openapi.json) and of the server
# that serves it:
#
#   .ci/contract/run.sh <cms-binary>
#
#   1. the binary serves exactly the committed document
#   2. redocly lint (recommended ruleset, redocly.yaml): 0 errors and 0 warnings
#   3. spectral lint (spectral:oas, .spectral.yaml): 0 warnings (--fail-severity=warn)
#   4. TypeScript: openapi-typescript generates gen/ts/schema.d.ts, `tsc --strict --noEmit`
#      checks ts/usage.ts against it, and the compiled usage runs against the live server
#   5. Python: openapi-python-client generates gen/py/newsroom_cms_client, `mypy --strict`
#      checks it and py/usage.py, and the usage runs against the live server
#   6. schemathesis (--checks all) against the binary serving a fresh SQLite database with the
#      demo newsroom, signed in as an admin; then POST /auth/logout-all alone, last.
#      hooks/contract_hooks.py sends whole floats at integer places as integers and accepts a
#      422 to a schema-valid request only when all its errors are state-dependent (its
#      STATE_DEPENDENT list; README.md); those are listed after the failures
#
# Every step runs whatever the others did; the script exits 1 when any failed and ends with
# "N passed, N failed". Tools install into this folder (npm ci from package-lock.json into
# node_modules/, pip from requirements.txt and constraints.txt into .venv/), both skipped while
# their locks are unchanged. Outputs (generated clients, reports, server log) go to gen/ and out/.
#
# Knobs (environment): CONTRACT_MAX_EXAMPLES (default 100 test cases per operation and phase;
# about 100 s of schemathesis with one worker on 2 cores), CONTRACT_SEED (default 20261201), CONTRACT_WORKERS
# (default 1: workers are threads, and CPython 3.11 can fail compiling an AST in one while
# another does, "AST constructor recursion depth mismatch"), CONTRACT_SCHEMATHESIS_TIMEOUT
# (default 480 s per schemathesis run),
# CONTRACT_SCHEMATHESIS_ARGS (extra flags), CONTRACT_VENV (default .ci/contract/.venv),
# CONTRACT_SPEC (default openapi/openapi.json).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 <cms-binary>" >&2; exit 2; }
CMS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$CMS" ] || { echo "not an executable: $1" >&2; exit 2; }

SPEC_SOURCE="${CONTRACT_SPEC:-$ROOT/openapi/openapi.json}"
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-100}"
SEED="${CONTRACT_SEED:-20261201}"
WORKERS="${CONTRACT_WORKERS:-1}"
SCHEMATHESIS_TIMEOUT="${CONTRACT_SCHEMATHESIS_TIMEOUT:-480}"
VENV="${CONTRACT_VENV:-$HERE/.venv}"
GEN="$HERE/gen"
OUT="$HERE/out"
BIN="$HERE/node_modules/.bin"

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

T0=$SECONDS
PASSED=0
FAILED=0
FAILED_STEPS=()
SERVER_PID=""
TMP="$(mktemp -d "${TMPDIR:-/tmp}/cms-contract.XXXXXX")"

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# step NAME COMMAND...: run one check, print its time, count it.
step() {
  local name="$1"; shift
  local start=$SECONDS
  echo
  echo "== $name"
  if "$@"; then
    PASSED=$((PASSED + 1))
    echo "-- ok: $name ($((SECONDS - start))s)"
  else
    FAILED=$((FAILED + 1))
    FAILED_STEPS+=("$name")
    echo "-- FAILED: $name ($((SECONDS - start))s)"
  fi
}

sha() { cat "$@" | sha256sum | cut -c1-64; }

# ---------------------------------------------------------------------------------------------
# Install (timed apart from the checks).

install_node() {
  local stamp="$HERE/node_modules/.contract-stamp"
  local want; want="$(sha "$HERE/package-lock.json") $(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "node_modules up to date with package-lock.json"
    return 0
  fi
  # --ignore-scripts: none of the four tools needs one; the only install script in the tree
  # is a usage-analytics ping (@scarf/scarf).
  (cd "$HERE" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || return 1
  echo "$want" > "$stamp"
}

install_python() {
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "python3 >= 3.11 is needed (the generated client imports typing.Self)" >&2
    return 1
  }
  local stamp="$VENV/.contract-stamp"
  local want; want="$(sha "$HERE/requirements.txt" "$HERE/constraints.txt") $(python3 --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$VENV up to date with requirements.txt"
    return 0
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV" || return 1
  "$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt" -c "$HERE/constraints.txt" || return 1
  echo "$want" > "$stamp"
}

echo "== install"
install_start=$SECONDS
install_node || { echo "npm ci failed" >&2; exit 1; }
install_python || { echo "python venv failed" >&2; exit 1; }
INSTALL_SECONDS=$((SECONDS - install_start))
echo "-- install took ${INSTALL_SECONDS}s"
echo "   redocly $("$BIN/redocly" --version 2>/dev/null | tail -1), spectral $("$BIN/spectral" --version)," \
  "openapi-typescript $("$BIN/openapi-typescript" --version), tsc $("$BIN/tsc" --version | cut -d' ' -f2)," \
  "$("$VENV/bin/schemathesis" --version), $("$VENV/bin/openapi-python-client" --version)," \
  "$("$VENV/bin/mypy" --version | cut -d' ' -f1-2)"

rm -rf "$GEN" "$OUT"
mkdir -p "$GEN/ts" "$GEN/py" "$OUT"

# Every step reads one copy of the document, taken now: the committed file can be rewritten
# (`cms openapi > openapi/openapi.json`) while the checks run.
SPEC="$OUT/openapi.json"
cp "$SPEC_SOURCE" "$SPEC" || exit 2
python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$SPEC" \
  || { echo "$SPEC_SOURCE is not a JSON document" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# 1. The binary serves the committed document.

check_spec_matches_binary() {
  "$CMS" openapi > "$OUT/served-openapi.json" || return 1
  if ! python3 - "$SPEC" "$OUT/served-openapi.json" <<'EOF'
import json, sys
committed, served = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
sys.exit(committed != served)
EOF
  then
    echo "$CMS openapi differs from $SPEC_SOURCE: rebuild the binary or regenerate the committed file (README, 'Regenerating the OpenAPI file')"
    diff -u --label committed --label served \
      <(python3 -m json.tool "$SPEC") <(python3 -m json.tool "$OUT/served-openapi.json") | head -60
    return 1
  fi
  echo "the binary serves $SPEC_SOURCE"
}

# ---------------------------------------------------------------------------------------------
# 2-3. Lints.

redocly_lint() {
  "$BIN/redocly" lint "$SPEC" --config "$HERE/redocly.yaml" --format json --max-problems 10000 \
    > "$OUT/redocly.json" 2> "$OUT/redocly.stderr"
  local rc=$?
  if [ ! -s "$OUT/redocly.json" ]; then
    cat "$OUT/redocly.stderr"
    return 1
  fi
  "$VENV/bin/python" "$HERE/summarize.py" redocly "$OUT/redocly.json"
  local totals
  totals="$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["totals"]; print(t["errors"], t["warnings"])' "$OUT/redocly.json")"
  echo "redocly: ${totals% *} error(s), ${totals#* } warning(s)"
  [ $rc -eq 0 ] && [ "$totals" = "0 0" ]
}

spectral_lint() {
  "$BIN/spectral" lint "$SPEC" --ruleset "$HERE/.spectral.yaml" --fail-severity=warn \
    --format json --output "$OUT/spectral.json" --quiet
  local rc=$?
  if [ -s "$OUT/spectral.json" ]; then
    "$VENV/bin/python" "$HERE/summarize.py" spectral "$OUT/spectral.json"
  fi
  echo "spectral: exit $rc"
  [ $rc -eq 0 ]
}

# ---------------------------------------------------------------------------------------------
# 4-5. Generated clients and their type checks (live runs come after the server starts).

typescript_client() {
  "$BIN/openapi-typescript" "$SPEC" --redocly "$HERE/ts/redocly.yaml" -o "$GEN/ts/schema.d.ts" \
    || return 1
  "$BIN/tsc" -p "$HERE/ts/tsconfig.json" --strict --noEmit && echo "tsc --strict --noEmit: no errors"
}

python_client() {
  # PATH: openapi-python-client runs ruff (a dependency, in the venv) on what it wrote.
  (cd "$GEN/py" && PATH="$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate \
    --path "$SPEC" --meta none --output-path "$GEN/py/newsroom_cms_client" --overwrite \
    --config "$HERE/py/config.yaml" --fail-on-warning) || return 1
  "$VENV/bin/mypy" --config-file "$HERE/py/mypy.ini" --strict \
    "$HERE/py/usage.py" "$GEN/py/newsroom_cms_client"
}

# ---------------------------------------------------------------------------------------------
# 6. The live server.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ADMIN_EMAIL="contract-admin@example.com"
ADMIN_PASSWORD="contract-check-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
BASE=""
TOKEN=""
ADMIN_ID=""

start_server() {
  local port; port="$(free_port)"
  BASE="http://127.0.0.1:$port"
  mkdir -p "$TMP/data"
  # Limits far above what the run sends: the run tests the contract, not the limiters (the
  # API tests do), and a 429 would hide what an operation answers.
  env DATABASE_URL="sqlite://$TMP/data/cms.sqlite3" DATA_DIR="$TMP/data" BIND="127.0.0.1:$port" \
    ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    ACCESS_TOKEN_TTL=3600 LOG_LEVEL=warn LOG_FORMAT=text \
    RATE_LIMIT_AUTH_PER_IP=1000000 RATE_LIMIT_LOGIN_PER_ACCOUNT_IP=1000000 \
    RATE_LIMIT_LOGIN_PER_ACCOUNT=1000000 RATE_LIMIT_VISITOR_PER_IP=1000000 \
    RATE_LIMIT_REACTIONS_PER_ACTOR=1000000 RATE_LIMIT_REACTIONS_PER_IP=1000000 \
    RATE_LIMIT_COMMENTS_PER_ACTOR=1000000 RATE_LIMIT_COMMENTS_PER_IP=1000000 \
    RATE_LIMIT_REPORTS_PER_ACTOR=1000000 RATE_LIMIT_REPORTS_PER_IP=1000000 \
    "$CMS" serve --demo > "$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited:"; tail -20 "$OUT/server.log"; return 1; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$BASE/readyz" || { echo "the server is not ready"; tail -20 "$OUT/server.log"; return 1; }
  local login
  login="$(curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    --data-binary "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")" \
    || { echo "sign-in failed"; return 1; }
  TOKEN="$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
  ADMIN_ID="$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["user"]["id"])')"
  echo "serving $BASE (pid $SERVER_PID, demo newsroom), signed in as admin #$ADMIN_ID"
}

typescript_live() {
  "$BIN/tsc" -p "$HERE/ts/tsconfig.json" --noEmit false --outDir "$GEN/ts/out" || return 1
  node "$GEN/ts/out/usage.js" "$BASE"
}

python_live() {
  PYTHONPATH="$GEN/py" "$VENV/bin/python" "$HERE/py/usage.py" "$BASE"
}

token_alive() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/auth/me")"
  [ "$code" = 200 ] || { echo "the run's admin token answers $code on GET /api/v1/auth/me: the session was ended mid-run, so later answers are 401s"; return 1; }
}

run_schemathesis() {
  local name="$1"; shift
  # timeout: a hung server must not eat CI's budget; 100 examples an operation take about 70 s.
  (cd "$OUT" && SCHEMATHESIS_HOOKS=contract_hooks PYTHONPATH="$HERE/hooks" \
    CONTRACT_ADMIN_ID="$ADMIN_ID" CONTRACT_ACCEPTED_LOG="$OUT/accepted-$name.jsonl" \
    timeout --kill-after=10 "$SCHEMATHESIS_TIMEOUT" "$VENV/bin/schemathesis" --config-file "$HERE/schemathesis.toml" --no-color run "$SPEC" \
      --url "$BASE" \
      --header "Authorization: Bearer $TOKEN" \
      --checks all \
      --max-examples "$MAX_EXAMPLES" \
      --seed "$SEED" \
      --workers "$WORKERS" \
      --continue-on-failure \
      --generation-database none \
      --request-timeout 10 \
      ${CONTRACT_SCHEMATHESIS_ARGS:-} \
      --report junit,ndjson \
      --report-junit-path "$OUT/schemathesis-$name.junit.xml" \
      --report-ndjson-path "$OUT/schemathesis-$name.ndjson" \
      "$@") > "$OUT/schemathesis-$name.txt" 2>&1
  local rc=$?
  sed -n '/^=* SUMMARY =*$/,$p' "$OUT/schemathesis-$name.txt"
  [ $rc -eq 0 ] || [ $rc -eq 1 ] || { tail -40 "$OUT/schemathesis-$name.txt"; }
  return $rc
}

schemathesis_main() {
  run_schemathesis main --exclude-path /api/v1/auth/logout-all
  local rc=$?
  token_alive || rc=1
  return $rc
}

schemathesis_logout_all() {
  run_schemathesis logout-all --include-path /api/v1/auth/logout-all
}

# ---------------------------------------------------------------------------------------------

step "the binary serves the committed document" check_spec_matches_binary
step "redocly lint (recommended): 0 errors, 0 warnings" redocly_lint
step "spectral lint (spectral:oas): 0 warnings" spectral_lint
step "TypeScript client: openapi-typescript + tsc --strict" typescript_client
step "Python client: openapi-python-client + mypy --strict" python_client

echo
echo "== start the server"
if start_server; then
  step "TypeScript usage against the live server" typescript_live
  step "Python usage against the live server" python_live
  step "schemathesis --checks all (every operation but logout-all)" schemathesis_main
  step "schemathesis --checks all (POST /api/v1/auth/logout-all, last)" schemathesis_logout_all
  if ls "$OUT"/schemathesis-*.ndjson >/dev/null 2>&1; then
    echo
    echo "== schemathesis failures, deduplicated (full output: $OUT/schemathesis-*.txt)"
    "$VENV/bin/python" "$HERE/summarize.py" schemathesis "$OUT"/schemathesis-*.ndjson
  fi
  echo
  echo "== 422s to schema-valid requests accepted as state-dependent (hooks/contract_hooks.py, STATE_DEPENDENT)"
  "$VENV/bin/python" "$HERE/summarize.py" accepted "$OUT"/accepted-*.jsonl
else
  FAILED=$((FAILED + 1))
  FAILED_STEPS+=("start the server")
fi

echo
echo "== contract checks: install ${INSTALL_SECONDS}s, total $((SECONDS - T0))s"
for name in "${FAILED_STEPS[@]+"${FAILED_STEPS[@]}"}"; do
  echo "   failed: $name"
done
echo "contract: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
