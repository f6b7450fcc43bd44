#!/usr/bin/env bash
# Concurrent long streams, directly to a paced mock and through the gateway, in one run: how many
# complete, time to first token and to the end (p50/p99), the gateway's peak memory (VmHWM) and
# its CPU time per streamed chunk. The gateway is pinned to CPU 0; the mock and the client
# (Benchmarks/StreamLoad: one compiled event loop) share CPU 1.
#
#   bash Benchmarks/streams.sh                       # 5,000 streams of ~10 s (20 chunks at 2/s), started over 5 s
#   RAMP_SECONDS=1 bash Benchmarks/streams.sh        # the same 5,000 in a one-second burst
#   STREAMS=1000 TOKENS=100 TOKENS_PER_SECOND=10 bash Benchmarks/streams.sh
#   STREAMS=200 TOKENS=20 TOKENS_PER_SECOND=10 bash Benchmarks/streams.sh   # a quick look
#   BINARY=.build/release/switchyard bash Benchmarks/streams.sh             # skip the gateway's build
#
# Each stream holds a connection on each side of the gateway: raise the descriptor limit
# (`ulimit -n`) above twice STREAMS plus a margin.
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMS=${STREAMS:-5000} TOKENS=${TOKENS:-20} TOKENS_PER_SECOND=${TOKENS_PER_SECOND:-2} RAMP_SECONDS=${RAMP_SECONDS:-5}
source Benchmarks/support.sh
release_binary
build_release StreamLoadBenchmark
client=.build/release/StreamLoadBenchmark
python=.venv/bin/python
[[ -x $python ]] || python=python3
(( $(ulimit -n) > 2 * STREAMS + 100 )) || ulimit -n $(( 2 * STREAMS + 1000 ))
bench_workspace
start_bench_mock "$BINARY" --output-tokens "$TOKENS" --tokens-per-second "$TOKENS_PER_SECOND"
bench_routes "$work/Routes" "sqlite:$work/ledger.db" $(( STREAMS + 1000 ))
key=$("$BINARY" keys create --tenant bench --routes "$work/Routes" 2>/dev/null)
BENCH_KEY=upstream-key taskset -c 0 "$BINARY" serve --routes "$work/Routes" --port 0 --offline off --log-level warning \
  --journal "$work/journal" --reload-check-ms 0 >"$work/gateway.out" 2>&1 &
gateway_pid=$!
pids+=($gateway_pid)
gateway=$(wait_url "$work/gateway.out")

load() {  # url key
  taskset -c 1 "$client" "$1" "$2" "$STREAMS" "$RAMP_SECONDS"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/${1:-$gateway_pid}/stat"; }
# The mock's CPU seconds over a run: near the wall time, the mock (not the gateway) set the pace.
seconds() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }'; }  # ticks
mock_seconds() { seconds $(( $(cpu_ticks "$mock_pid") - $1 )); }

echo "$STREAMS streams of $TOKENS tokens at $TOKENS_PER_SECOND/s, started over $RAMP_SECONDS s ($(date -u +%F), $(git rev-parse --short HEAD))"
mock_before=$(cpu_ticks "$mock_pid")
echo "direct:  $(load "$mock" unused) (mock CPU $(mock_seconds "$mock_before") s)"
mock_before=$(cpu_ticks "$mock_pid")
before=$(cpu_ticks)
through=$(load "$gateway" "$key")
after=$(cpu_ticks)
echo "gateway: $through (mock CPU $(mock_seconds "$mock_before") s, gateway CPU $(seconds $(( after - before ))) s)"
chunks=$("$python" -c 'import json, sys; print(json.loads(sys.argv[1])["chunks"])' "$through")
peak=$(awk '/VmHWM/ {print $2}' "/proc/$gateway_pid/status")
echo "gateway peak RSS: $(( peak / 1024 )) MB ($(( peak / STREAMS )) KB a stream); CPU: $(( (after - before) * 1000000 / $(getconf CLK_TCK) / (chunks > 0 ? chunks : 1) )) µs a chunk"
