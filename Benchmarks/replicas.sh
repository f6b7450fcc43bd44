#!/usr/bin/env bash
# Replicas benchmark: throughput of one gateway and of three replicas sharing one PostgreSQL
# ledger (keys, a budget and a rate limit in force, so leases and rate-count syncs run), each
# against the same fast mock upstream, in one run — plus the embedded SQLite setup and a
# direct call to the mock for reference, and the ledger insert rate into PostgreSQL.
#
#   bash Benchmarks/replicas.sh             # 10 s per scenario
#   DURATION=5 bash Benchmarks/replicas.sh
#
# On a 2-core machine every process shares the same two cores (gateways, mock, wrk,
# PostgreSQL): three replicas cannot add CPU here, so this measures what sharing costs, not
# how far replicas scale. Nothing is pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-63}
bash .ci/setup
source Benchmarks/support.sh
build_release switchyard LedgerWriteBenchmark
BIN=$PWD/.build/release/switchyard

source Tests/postgres.sh
postgres_start
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  postgres_stop
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" mock-provider --port 0 --name bench --output-tokens 16 >"$work/mock.out" 2>&1 &
pids+=($!)
mock=$(wait_url "$work/mock.out")

routes() {  # directory ledger
  mkdir -p "$1"
  cat >"$1/gateway.yaml" <<YAML
ledger: $2
providers:
  - name: bench
    dialect: openai
    base_url: $mock/v1
    api_key: env:BENCH_KEY
    models: [{ name: bench-model, input_per_mtok: 1, output_per_mtok: 2, currency: USD }]
routes:
  - { name: chat, targets: [bench/bench-model] }
tenants:
  - { name: bench, budget: { amount: 1000000, currency: USD, period: month }, limits: { rpm: 10000000 } }
YAML
}
routes "$work/sqlite" "sqlite:$work/ledger.db"
routes "$work/postgres" "env:SY_LEDGER"
export SY_LEDGER=$SWITCHYARD_TEST_POSTGRES BENCH_KEY=upstream-key
"$BIN" db migrate --routes "$work/postgres" >/dev/null
sqlite_key=$("$BIN" keys create --tenant bench --routes "$work/sqlite" 2>/dev/null)
postgres_key=$("$BIN" keys create --tenant bench --routes "$work/postgres" 2>/dev/null)

serve() {  # name routes (in this shell, not a $(…) subshell: cleanup must know the process)
  "$BIN" serve --routes "$2" --port 0 --offline off --log-level warning --reload-check-ms 0 \
    --journal "$work/$1.journal" >"$work/$1.out" 2>&1 &
  pids+=($!)
}

question='"messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]'
export BODY="{\"model\":\"chat\",$question}"

load() {  # key connections url… → total rps over all URLs, loaded at once (connections split evenly)
  local key=$1 connections=$2; shift 2
  local each=$(( connections / $# )) outputs=() loaders=() i=0
  for url in "$@"; do
    AUTH="$key" wrk -t1 -c"$each" -d"${DURATION}s" -s Benchmarks/chat.lua "$url/v1/chat/completions" >"$work/wrk.$i" &
    loaders+=($!)
    outputs+=("$work/wrk.$i"); i=$((i + 1))
  done
  wait "${loaders[@]}"
  local total=0 errors=0 requests=0
  for file in "${outputs[@]}"; do
    total=$(( total + $(grep RESULT "$file" | sed 's/.*rps=\([0-9]*\).*/\1/') ))
    errors=$(( errors + $(grep RESULT "$file" | sed 's/.*errors=\([0-9]*\).*/\1/') ))
    requests=$(( requests + $(grep RESULT "$file" | sed 's/.*requests=\([0-9]*\).*/\1/') ))
  done
  echo "rps=$total requests=$requests errors=$errors"
}

direct=$mock
serve sqlite "$work/sqlite"
serve postgres-1 "$work/postgres"
serve postgres-2 "$work/postgres"
serve postgres-3 "$work/postgres"
one_sqlite=$(wait_url "$work/sqlite.out")
one_postgres=$(wait_url "$work/postgres-1.out")
second=$(wait_url "$work/postgres-2.out")
third=$(wait_url "$work/postgres-3.out")

# Warm every gateway (connection pools, leases, key tables).
for url in "$one_sqlite" "$one_postgres" "$second" "$third"; do
  k=$postgres_key; [[ $url == "$one_sqlite" ]] && k=$sqlite_key
  AUTH="$k" wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$url/v1/chat/completions" >/dev/null
done

echo "scenario                                 ($CONNECTIONS connections, ${DURATION} s each)"
printf '%-40s %s\n' "direct to the mock" "$(load "$postgres_key" "$CONNECTIONS" "$direct")"
printf '%-40s %s\n' "1 gateway, SQLite ledger" "$(load "$sqlite_key" "$CONNECTIONS" "$one_sqlite")"
records() { sleep 2; "$SWITCHYARD_TEST_POSTGRES_BIN/psql" -qtA "$SY_LEDGER" -c 'SELECT count(*) FROM usage_attempts'; }
before=$(records)
result=$(load "$postgres_key" "$CONNECTIONS" "$one_postgres")
printf '%-40s %s records=%s\n' "1 gateway, PostgreSQL ledger" "$result" "$(( $(records) - before ))"
before=$(records)
result=$(load "$postgres_key" "$CONNECTIONS" "$one_postgres" "$second" "$third")
printf '%-40s %s records=%s\n' "3 replicas, one PostgreSQL ledger" "$result" "$(( $(records) - before ))"
echo "(records: what reached PostgreSQL; a few more than wrk's requests are answers wrk cut off at the end)"
echo
echo "ledger insert rate into PostgreSQL (batches of 2000, one transaction each):"
LEDGER=$SY_LEDGER RECORDS=${RECORDS:-200000} .build/release/LedgerWriteBenchmark
echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
