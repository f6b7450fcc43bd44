#!/usr/bin/env bash
# The console on a big ledger: fills SQLite or a private PostgreSQL server with RECORDS usage
# records (default 10 million over 90 days up to now, 20 tenants × 10 keys, 5 providers, in time
# order as a gateway writes them, the day totals kept as they arrive), starts the release gateway
# on it, signs in as the admin and as a tenant, and times every console page over loopback
# (the real pages, their real queries): the first load, then the median of 5.
#
#   bash Benchmarks/console-pages.sh                      # SQLite, then PostgreSQL
#   LEDGERS=sqlite RECORDS=1000000 bash Benchmarks/console-pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-10000000}
LEDGERS=${LEDGERS:-sqlite postgres}
bash .ci/setup
source Benchmarks/support.sh
build_release switchyard
BIN=$PWD/.build/release/switchyard
ADMIN=console-benchmark-admin-key-0123456789abcdef
work=$(mktemp -d)
gateway_pid=
cleanup() {
  [[ -n $gateway_pid ]] && kill "$gateway_pid" 2>/dev/null || true
  [[ -n ${SWITCHYARD_TEST_POSTGRES:-} ]] && postgres_stop
  rm -rf "$work"
}
trap cleanup EXIT

# The dimension rows and the records, as SQL both databases take (`series` is 1…RECORDS).
dimensions_sql="INSERT INTO usage_dimensions (tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency,
    reporting_currency, policy)
SELECT 'tenant_' || (d % 20), 'key_' || (d % 20) || '_' || (d / 20), 'chat', 'provider_' || (d / 20 % 5), 'model_' || (d / 20 % 5),
    CASE WHEN d / 20 % 5 < 3 THEN 'cn' ELSE 'us' END, 'openai', 'openai', 'USD', 'USD', 'standard'
FROM digits"
now=$(date -u +%s)
start=$((now - 90 * 86400))

write_routes() {  # ledger line
  mkdir -p "$work/Routes"
  {
    echo "$1"
    echo "admin_key: env:BENCH_ADMIN_KEY"
    echo "providers:"
    for p in 0 1 2 3 4; do
      echo "  - { name: provider_$p, dialect: openai, base_url: 'http://127.0.0.1:9/v1', api_key: env:NO_SUCH_KEY,"
      echo "      models: [{ name: model_$p, input_per_mtok: 2, output_per_mtok: 8, currency: USD }] }"
    done
    echo "routes:"
    echo "  - { name: chat, targets: [provider_0/model_0, provider_1/model_1, provider_2/model_2] }"
    echo "tenants:"
    for t in $(seq 0 19); do echo "  - { name: tenant_$t, budget: { amount: 5000, currency: USD, period: month } }"; done
  } >"$work/Routes/gateway.yaml"
}

fill_sqlite() {
  write_routes "ledger: sqlite:$work/ledger.db"
  "$BIN" db migrate --routes "$work/Routes" >/dev/null
  python3 - "$work/ledger.db" "$RECORDS" "$start" "$dimensions_sql" <<'PY'
import sqlite3, sys
path, records, start, dimensions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = OFF")
db.execute("CREATE TEMP TABLE digits AS WITH RECURSIVE n(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM n WHERE d < 199) SELECT d FROM n")
db.execute(dimensions.replace("FROM digits", "FROM (SELECT d FROM digits)"))
first = db.execute("SELECT min(id) FROM usage_dimensions").fetchone()[0]
span = 90 * 86400
batch = 1_000_000
for low in range(1, records + 1, batch):
    high = min(records, low + batch - 1)
    db.execute(f"""
        WITH RECURSIVE s(i) AS (SELECT {low} UNION ALL SELECT i + 1 FROM s WHERE i < {high})
        INSERT INTO usage_attempts (id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens, output_tokens,
            usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos, cost_nanos,
            reporting_cost_nanos, ttft_ms, total_ms, status, outcome, pii_masked, attempt)
        SELECT printf('req_%010d-1', i), printf('req_%010d', i),
            strftime('%Y-%m-%dT%H:%M:%SZ', {start} + i * {span} / {records}, 'unixepoch'),
            {first} + (i * 7919) % 200, i % 3 = 0, 1000 + i % 500, 0, 200 + i % 300, 'provider',
            2000000000, 500000000, 8000000000, 4000000 + i % 1000, 4000000 + i % 1000, 300 + i % 200, 800 + i % 700,
            CASE WHEN i % 50 = 0 THEN 502 ELSE 200 END, CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'completed' END, 0,
            CASE WHEN i % 50 = 1 THEN 2 ELSE 1 END
        FROM s""")
    db.commit()
db.execute("ANALYZE")
db.commit()
PY
  echo "filled: $(du -h "$work/ledger.db" | cut -f1) SQLite file"
}

fill_postgres() {
  source Tests/postgres.sh
  postgres_start
  export SY_LEDGER=$SWITCHYARD_TEST_POSTGRES
  write_routes "ledger: env:SY_LEDGER"
  "$BIN" db migrate --routes "$work/Routes" >/dev/null
  "$SWITCHYARD_TEST_POSTGRES_BIN/psql" -qtA -v ON_ERROR_STOP=1 "$SY_LEDGER" <<SQL
CREATE TEMP TABLE digits AS SELECT d FROM generate_series(0, 199) AS d;
$dimensions_sql;
INSERT INTO usage_attempts (id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens, output_tokens,
    usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos, cost_nanos,
    reporting_cost_nanos, ttft_ms, total_ms, status, outcome, pii_masked, attempt)
SELECT 'req_' || lpad(i::text, 10, '0') || '-1', 'req_' || lpad(i::text, 10, '0'),
    to_timestamp($start + i * (90 * 86400)::bigint / $RECORDS),
    (SELECT min(id) FROM usage_dimensions) + (i * 7919) % 200, i % 3 = 0, 1000 + i % 500, 0, 200 + i % 300, 'provider',
    2000000000, 500000000, 8000000000, 4000000 + i % 1000, 4000000 + i % 1000, 300 + i % 200, 800 + i % 700,
    CASE WHEN i % 50 = 0 THEN 502 ELSE 200 END, CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'completed' END, 0,
    CASE WHEN i % 50 = 1 THEN 2 ELSE 1 END
FROM generate_series(1::bigint, $RECORDS) AS i;
VACUUM ANALYZE;
SQL
  echo "filled: $("$SWITCHYARD_TEST_POSTGRES_BIN/psql" -qtA "$SY_LEDGER" -c "SELECT pg_size_pretty(pg_total_relation_size('usage_attempts'))") usage_attempts"
}

sign_in() {  # key, cookie jar
  local jar=$2 csrf
  csrf=$(curl -s -c "$jar" -b "$jar" "$url/console/sign-in" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//;s/"$//')
  curl -s -c "$jar" -b "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "key=$1" "$url/console/sign-in"
}

time_page() {  # jar, path
  local first times=() status
  status=$(curl -s -b "$1" -o /dev/null -w '%{http_code}' "$url$2")
  [[ $status == 200 ]] || { echo "  $2: HTTP $status" >&2; return 1; }
  first=$(curl -s -b "$1" -o /dev/null -w '%{time_total}' "$url$2")
  for _ in 1 2 3 4 5; do times+=("$(curl -s -b "$1" -o /dev/null -w '%{time_total}' "$url$2")"); done
  printf '  %-58s %8.0f ms %8.0f ms\n' "$2" "$(echo "$first * 1000" | bc)" \
    "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{print $1 * 1000}')"
}

for ledger in $LEDGERS; do
  rm -rf "$work/Routes" "$work"/ledger.db*
  echo "== $ledger, $RECORDS records =="
  fill_started=$(date +%s)
  "fill_$ledger"
  echo "   in $(( $(date +%s) - fill_started )) s"
  BENCH_ADMIN_KEY=$ADMIN "$BIN" serve --routes "$work/Routes" --port 0 --offline off --no-metering >"$work/gateway.log" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 600); do grep -q "listening on" "$work/gateway.log" && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/gateway.log" | head -1)
  key=$("$BIN" keys create --tenant tenant_3 --routes "$work/Routes" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  sign_in "$ADMIN" "$work/admin.jar"
  sign_in "$key" "$work/tenant.jar"
  month=$(date -u +%Y-%m-01)
  quarter=$(date -u -d '-89 days' +%F)
  printf '  %-58s %11s %11s\n' "page (admin)" "first" "median of 5"
  for page in /console "/console/spend" "/console/spend?by=tenant,day&since=$quarter" "/console/spend?by=tenant,day&since=$quarter&format=csv" \
    "/console/spend?by=provider,month&since=$quarter" \
    "/console/spend?by=key&since=$quarter&format=csv" /console/budgets /console/keys /console/requests \
    "/console/requests?tenant=tenant_7&route=chat" /console/providers "/console/routes?model=chat" /console/audit; do
    time_page "$work/admin.jar" "$page"
  done
  printf '  %-58s\n' "page (tenant_3's key)"
  for page in /console "/console/spend?by=day&since=$quarter" /console/budgets /console/requests /console/providers; do
    time_page "$work/tenant.jar" "$page"
  done
  kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=
  if [[ $ledger == postgres ]]; then postgres_stop; unset SWITCHYARD_TEST_POSTGRES; fi
done
