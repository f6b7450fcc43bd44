#!/usr/bin/env bash
# A/B of two gateway builds on the same machine, in the same run: both serve the same config
# (a zero-latency mock, metering on), pinned to CPU 0, and wrk (on CPU 1) drives them in
# alternating rounds, so a noisy neighbour weighs on both alike. Prints each round's requests/s
# and the gateway's CPU µs a request (from /proc), then the median difference.
#
#   bash Benchmarks/compare.sh OLD_BINARY NEW_BINARY
#   CONNS=1 ROUNDS=12 SECONDS_PER_ROUND=6 bash Benchmarks/compare.sh …
#   OLD_FLAGS=--no-metrics NEW_FLAGS=--no-metrics bash Benchmarks/compare.sh …
#   UPSTREAM=static bash Benchmarks/compare.sh …   # nginx's fixed answer instead of the mock
#
# Build the old one from a worktree: git worktree add /tmp/old <commit> && (cd /tmp/old && swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# == 2 ]] || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 2; }
OLD=$1 NEW=$2
CONNS=${CONNS:-64} ROUNDS=${ROUNDS:-8} SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-6}
command -v wrk >/dev/null || { echo "wrk missing: bash .ci/setup --bench"; exit 1; }
source Benchmarks/support.sh
bench_workspace
start_bench_mock "$OLD"  # the same rig for both
route=chat
[[ ${UPSTREAM:-mock} == static ]] && start_bench_static && route=static
for side in old new; do
  bench_routes "$work/$side/Routes" "sqlite:$work/$side/ledger.db"
done
start() {  # side binary flags — sets ${side}_pid, ${side}_url and ${side}_key
  local key
  key=$("$2" keys create --tenant bench --routes "$work/$1/Routes" 2>/dev/null)
  # shellcheck disable=SC2086
  BENCH_KEY=upstream-key taskset -c 0 "$2" serve --routes "$work/$1/Routes" --port 0 --offline off --log-level warning \
    --journal "$work/$1/journal" --reload-check-ms 0 $3 >"$work/$1.out" 2>&1 &
  pids+=($!)
  printf -v "$1_pid" %s $!
  printf -v "$1_url" %s "$(wait_url "$work/$1.out")"
  printf -v "$1_key" %s "$key"
}
start old "$OLD" "${OLD_FLAGS:-}"
start new "$NEW" "${NEW_FLAGS:-}"
body='{"model":"'$route'","messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]}'
measure() { measure_round "$1" "$2" "$body" "$3" "$CONNS" "$SECONDS_PER_ROUND"; }  # pid url key
measure "$old_pid" "$old_url" "$old_key" >/dev/null  # warm both
measure "$new_pid" "$new_url" "$new_key" >/dev/null
differences=()
echo "round  old rps cpu_us   new rps cpu_us"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then
    old=$(measure "$old_pid" "$old_url" "$old_key"); new=$(measure "$new_pid" "$new_url" "$new_key")
  else
    new=$(measure "$new_pid" "$new_url" "$new_key"); old=$(measure "$old_pid" "$old_url" "$old_key")
  fi
  printf '%5s  %7s %6s   %7s %6s\n' "$round" ${old} ${new}
  differences+=($(( ${new#* } - ${old#* } )))
done
median=$(printf '%s\n' "${differences[@]}" | median)
echo "median CPU difference, new − old: ${median} µs a request (${CONNS} connections, ${ROUNDS} rounds)"
