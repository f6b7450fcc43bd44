#!/usr/bin/env bash
# What holds up the event loop at one connection: the kernel's scheduling events on the
# gateway's CPU (perf tracepoints; hardware counters aren't needed) while wrk sends one request
# at a time through the gateway to nginx's fixed answer. Prints wrk's result, then for the
# event loop thread: wake-up to running, its runs until it sleeps, and who preempted it.
#
#   bash Benchmarks/sched.sh                          # metering on
#   FLAGS=--no-metering bash Benchmarks/sched.sh      # the same without usage records
#   BINARY=/tmp/old/switchyard SECONDS_TRACED=6 bash Benchmarks/sched.sh
#
# Needs perf (Debian's linux-perf: `.ci/setup --bench`), wrk and nginx, and permission to trace
# (root, or kernel.perf_event_paranoid ≤ 1).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/support.sh
for tool in perf wrk nginx; do
  command -v "$tool" >/dev/null || { echo "$tool missing: bash .ci/setup --bench" >&2; exit 1; }
done
release_binary
seconds=${SECONDS_TRACED:-4}
bench_workspace
start_bench_static_gateway "$BINARY"
loop=""
for task in /proc/$gateway_pid/task/*; do
  [[ $(cat "$task/comm") == NIO-* ]] && loop=$(basename "$task") && break
done
perf record -q -e sched:sched_switch -e sched:sched_wakeup -C 0 -o "$work/sched.data" -- sleep $((seconds + 1)) 2>/dev/null &
recorder=$!
sleep 0.5
BODY="$static_body" AUTH="$key" taskset -c 1 wrk -t1 -c1 -d"${seconds}s" -s Benchmarks/chat.lua "$gateway/v1/chat/completions" | grep RESULT
wait $recorder || true
echo "event loop (thread $loop), CPU 0, ${seconds} s of one connection${FLAGS:+ ($FLAGS)}:"
perf script -i "$work/sched.data" 2>/dev/null >"$work/sched.txt"
python3 Benchmarks/sched/analyse.py "$work/sched.txt" "$loop"
