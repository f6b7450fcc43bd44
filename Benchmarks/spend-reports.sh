#!/usr/bin/env bash
# Spend reports on a large PostgreSQL ledger: fills a private server with RECORDS usage records
# (default 10 million: 90 days, 20 tenants × 10 keys, 5 providers, written in time order as a
# gateway writes them; the database keeps the day totals as they arrive), then times `switchyard spend` as an
# auditor runs it — the real CLI, its real queries — each report twice (cold, then warm cache):
# over whole days (the day totals answer) and from a time of day (the partial day from the records).
#
#   bash Benchmarks/spend-reports.sh
#   RECORDS=1000000 bash Benchmarks/spend-reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-10000000}
bash .ci/setup
source Benchmarks/support.sh
build_release switchyard
BIN=$PWD/.build/release/switchyard

source Tests/postgres.sh
postgres_start
work=$(mktemp -d)
trap 'postgres_stop; rm -rf "$work"' EXIT
export SY_LEDGER=$SWITCHYARD_TEST_POSTGRES
mkdir -p "$work/Routes"
echo "ledger: env:SY_LEDGER" >"$work/Routes/gateway.yaml"
"$BIN" db migrate --routes "$work/Routes" >/dev/null
psql() { "$SWITCHYARD_TEST_POSTGRES_BIN/psql" -qtA -v ON_ERROR_STOP=1 "$SY_LEDGER" "$@"; }

end_day=$(date -u +%F)
start=$(date -u -d "$end_day - 90 days" +%F)
echo "filling the ledger with $RECORDS records from $start to $end_day…"
fill_started=$(date +%s)
psql <<SQL
INSERT INTO usage_dimensions (tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency,
    reporting_currency, policy)
SELECT 'tenant_' || (d % 20), 'key_' || (d % 20) || '_' || (d / 20), 'chat', 'provider_' || (d / 20 % 5), 'model_' || (d / 20 % 5),
    CASE WHEN d / 20 % 5 < 3 THEN 'cn' ELSE 'us' END, 'openai', 'openai', 'USD', 'USD', 'standard'
FROM generate_series(0, 199) AS d;
INSERT INTO usage_attempts (id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens, output_tokens,
    usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos, cost_nanos,
    reporting_cost_nanos, ttft_ms, total_ms, status, outcome, pii_masked)
SELECT 'req_' || i || '-1', 'req_' || i, timestamptz '$start' + (i * (interval '90 days' / $RECORDS)),
    (SELECT min(id) FROM usage_dimensions) + (i * 7919) % 200, i % 3 = 0, 1000 + i % 500, 0, 200 + i % 300, 'provider',
    2000000000, 500000000, 8000000000, 4000000 + i % 1000, 4000000 + i % 1000, NULL, 800, 200, 'completed', 0
FROM generate_series(1::bigint, $RECORDS) AS i;
VACUUM ANALYZE;
SQL
echo "filled in $(( $(date +%s) - fill_started )) s; table and indexes: $(psql -c "SELECT pg_size_pretty(pg_total_relation_size('usage_attempts'))")"
echo

report() {  # description, then spend arguments
  local description=$1; shift
  local times=()
  for _ in 1 2; do
    local started=$(date +%s%N)
    "$BIN" spend --routes "$work/Routes" --format csv "$@" >"$work/report.out"
    times+=("$(( ($(date +%s%N) - started) / 1000000 )) ms")
  done
  printf '%-58s %10s %10s   %s rows\n' "$description" "${times[0]}" "${times[1]}" "$(( $(wc -l <"$work/report.out") - 1 ))"
}
month_ago=$(date -u -d "$end_day - 30 days" +%F)
week_ago=$(date -u -d "$end_day - 7 days" +%F)
printf '%-58s %10s %10s\n' "report (switchyard spend …, whole CLI run)" "cold" "warm"
echo "whole days (read from the day totals):"
report "  one tenant, last 30 days, by day" --tenant tenant_7 --since "$month_ago" --by day
report "  one key, last 7 days, by model" --key key_7_3 --since "$week_ago" --by model
report "  every tenant, last 7 days" --since "$week_ago" --by tenant
report "  every tenant, last 30 days, by provider" --since "$month_ago" --by tenant,provider
report "  everything, all 90 days, by month" --by month
echo "from 12:00 UTC (the partial first day from the records, the rest from the day totals):"
report "  one tenant, last 30 days, by day" --tenant tenant_7 --since "${month_ago}T12:00:00Z" --by day
report "  one key, last 7 days, by model" --key key_7_3 --since "${week_ago}T12:00:00Z" --by model
report "  every tenant, last 7 days" --since "${week_ago}T12:00:00Z" --by tenant
report "  every tenant, last 30 days, by provider" --since "${month_ago}T12:00:00Z" --by tenant,provider
report "  everything, all 90 days, by month" --since "${start}T12:00:00Z" --by month
echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
