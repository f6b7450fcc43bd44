#!/usr/bin/env bash
# Where the gateway's CPU goes by thread: wrk sends the static upstream's chat request through
# the gateway (pinned to CPU 0; wrk and nginx on CPU 1) at 64 connections, then at one, and for
# each round prints the CPU time (user + system, from /proc/PID/task) a request of each of the
# gateway's threads — the event loop (NIO-…) against the ledger's thread pool (SGLTN-TP-…) —
# then whether the ledger kept up: records stored, the usage journal's size (4 MB is its first:
# larger is a backlog) and the gateway's peak RSS.
#
#   bash Benchmarks/threads.sh
#   CONNS="1" SECONDS_PER_ROUND=6 BINARY=/tmp/old/switchyard bash Benchmarks/threads.sh
#   FLAGS=--no-metering bash Benchmarks/threads.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/support.sh
release_binary
bench_workspace
start_bench_static_gateway "$BINARY"
# Each thread name (spaces made underscores) with its CPU clock ticks, threads of one name summed.
ticks_by_thread() {
  for task in /proc/$gateway_pid/task/*; do
    echo "$(tr ' ' _ <"$task/comm") $(awk '{print $14 + $15}' "$task/stat")"
  done | awk '{ ticks[$1] += $2 } END { for (name in ticks) print name, ticks[name] }' | sort
}
for conns in ${CONNS:-64 1}; do
  ticks_by_thread >"$work/before"
  out=$(BODY="$static_body" AUTH="$key" taskset -c 1 wrk -t1 -c"$conns" -d"${SECONDS_PER_ROUND:-8}s" -s Benchmarks/chat.lua \
    "$gateway/v1/chat/completions" | grep RESULT)
  sleep 0.5  # the ledger's last commit of the round
  ticks_by_thread >"$work/after"
  requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$out")
  echo "$conns connection(s): ${out#RESULT }${FLAGS:+ ($FLAGS)}"
  join "$work/before" "$work/after" | awk -v n="$requests" -v hz="$(getconf CLK_TCK)" \
    '$3 > $2 { printf "  %-24s %7.1f µs a request\n", $1, ($3 - $2) * 1000000 / hz / n }'
done
sleep 2  # the ledger's last commit
echo "ledger: $(sqlite3 "$work/ledger.db" 'SELECT COUNT(*) FROM usage_attempts' 2>/dev/null || echo '?') records stored" \
  "(warm-up included); usage journal $(( $(stat -c %s "$work/journal" 2>/dev/null || echo 0) / 1048576 )) MB;" \
  "peak RSS $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$gateway_pid/status")"
