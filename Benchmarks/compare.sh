#!/usr/bin/env bash
# A/B: two gateway binaries on the same zero-latency mock, in alternating rounds (this VM's
# neighbours swing single runs by 10–20 %; a pair of back-to-back rounds sees the same ones).
# Reports each round and the median of the pairs' throughput ratios.
#
#   bash Benchmarks/compare.sh OLD_BIN NEW_BIN            # JSON and stream, 64 connections
#   MODES=json CONNS="1 64" ROUNDS=8 SECS=5 bash Benchmarks/compare.sh OLD NEW
#
# Build the old binary from a worktree: git worktree add ../base REV && (cd ../base && swift build -c release --product switchyard)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2
source Benchmarks/support.sh
bench_workspace

start_bench_mock "$NEW"
declare -A url key
for side in old new; do
  bin=$OLD; [[ $side == new ]] && bin=$NEW
  mkdir -p "$work/$side/Routes"
  cat >"$work/$side/Routes/gateway.yaml" <<YAML
ledger: sqlite:$work/$side/ledger.db
providers:
  - { name: bench, dialect: openai, base_url: $mock/v1, api_key: env:BENCH_KEY, models: [{ name: bench-model, input_per_mtok: 1, output_per_mtok: 2, currency: USD }] }
routes:
  - { name: chat, targets: [bench/bench-model] }
tenants:
  - { name: bench }
YAML
  key[$side]=$("$bin" keys create --tenant bench --routes "$work/$side/Routes" 2>/dev/null)
  (cd "$work/$side" && BENCH_KEY=k exec taskset -c 0 "$bin" serve --routes "$work/$side/Routes" --port 0 --offline off \
    --log-level warning --reload-check-ms 0 >"$work/$side.out" 2>&1) &
  pids+=($!)
  url[$side]=$(wait_url "$work/$side.out")
done

question='"messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]'
rps() {  # side body connections
  BODY="$2" AUTH="${key[$1]}" taskset -c 1 wrk -t1 -c"$3" -d"${SECS:-5}s" -s Benchmarks/chat.lua "${url[$1]}/v1/chat/completions" \
    | grep RESULT | sed 's/.*rps=\([0-9]*\).*/\1/'
}
for side in old new; do rps "$side" "{\"model\":\"chat\",$question}" 8 >/dev/null; done  # warm up
for mode in ${MODES:-json stream}; do
  body="{\"model\":\"chat\",$question}"; [[ $mode == stream ]] && body="{\"model\":\"chat\",\"stream\":true,$question}"
  for conns in ${CONNS:-64}; do
    ratios=()
    for round in $(seq "${ROUNDS:-8}"); do
      if (( round % 2 )); then old=$(rps old "$body" "$conns"); new=$(rps new "$body" "$conns")
      else new=$(rps new "$body" "$conns"); old=$(rps old "$body" "$conns"); fi
      echo "$mode c=$conns round $round  old rps=$old  new rps=$new"
      ratios+=("$(awk -v o="$old" -v n="$new" 'BEGIN { printf "%.3f", n / o }')")
    done
    echo "$mode c=$conns  new/old throughput, median of pairs: $(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  done
done
