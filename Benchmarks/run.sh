#!/usr/bin/env bash
# Gateway overhead benchmark: the same fast mock upstream called directly and through the gateway,
# in one run, with wrk. The gateway is pinned to CPU 0; the mock and wrk share CPU 1.
#
# Two paths through the gateway: same dialect (OpenAI in, OpenAI out: bytes pass through) and
# translated (OpenAI in, Anthropic out: decoded, re-encoded, streams transcoded event by event),
# each compared with a direct call to the mock in that dialect. JSON also against a static
# upstream (nginx answering one fixed completion, on CPU 1 as well): it costs a fifth of the
# mock's CPU, so at 64 connections the gateway is what runs out of CPU, not the rig. For
# reference, nginx as a reverse proxy to the same static upstream, on the gateway's CPU: what a
# proxy that only relays bytes costs on this machine.
#
#   bash Benchmarks/run.sh            # 10 s per scenario
#   DURATION=5 bash Benchmarks/run.sh
#   ONLY=metering bash Benchmarks/run.sh   # just metering on vs off
#   ONLY=metrics bash Benchmarks/run.sh    # just Prometheus metrics on vs off
#   ONLY=tracing bash Benchmarks/run.sh    # just tracing (sample ratio 1.0, to a local OTLP sink) on vs off
#   ONLY=responses bash Benchmarks/run.sh  # just the Responses API against chat on one target
#   ONLY=embeddings bash Benchmarks/run.sh # just embeddings of 1, 16 and 256 inputs a request
#   ONLY=callgrind bash Benchmarks/run.sh  # just instructions a request (Benchmarks/callgrind.sh)
#   ONLY=streams bash Benchmarks/run.sh    # just concurrent long streams (Benchmarks/streams.sh)
#   ONLY=litellm bash Benchmarks/run.sh    # just the gateway beside LiteLLM (Benchmarks/litellm.sh)
#
# Without ONLY, the run ends with the instruction counts, the concurrent streams and LiteLLM.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
bash .ci/setup --bench
source Benchmarks/support.sh
build_release switchyard
BIN=$PWD/.build/release/switchyard
case ${ONLY:-} in
  callgrind | streams | litellm) BINARY=$BIN exec bash "Benchmarks/$ONLY.sh" ;;
esac

bench_workspace

start_bench_mock "$BIN"
start_bench_static
start_bench_proxy

bench_routes "$work/Routes" "sqlite:$work/ledger.db"
key=$("$BIN" keys create --tenant bench --routes "$work/Routes" 2>/dev/null)
measured_routes=$work/Routes
if [[ ${ONLY:-} == tracing ]]; then
  # The measured gateway traces every request to a sink that takes OTLP/HTTP batches (on the
  # load generator's core); the compared one is the same gateway without telemetry.
  python=.venv/bin/python; [[ -x $python ]] || python=python3
  "$python" Benchmarks/otlp_sink.py >"$work/sink.out" 2>&1 &
  pids+=($!)
  sink=$(wait_url "$work/sink.out")
  mkdir -p "$work/TracedRoutes"
  { cat "$work/Routes/gateway.yaml"; echo "telemetry: { otlp_endpoint: $sink, sample_ratio: 1.0 }"; } >"$work/TracedRoutes/gateway.yaml"
  measured_routes=$work/TracedRoutes
fi
BENCH_KEY=upstream-key taskset -c 0 "$BIN" serve --routes "$measured_routes" --port 0 --offline off --log-level warning \
  >"$work/gateway.out" 2>&1 &
gateway_pid=$!
pids+=($gateway_pid)
gateway=$(wait_url "$work/gateway.out")
# The same gateway without metering (or, with ONLY=metrics, without Prometheus metrics), to
# measure what it costs (run one at a time).
compared=metering
[[ ${ONLY:-} == metrics || ${ONLY:-} == tracing ]] && compared=$ONLY
compared_flags=("--no-$compared")
[[ $compared == tracing ]] && compared_flags=()
BENCH_KEY=upstream-key taskset -c 0 "$BIN" serve --routes "$work/Routes" --port 0 --offline off --log-level warning \
  "${compared_flags[@]}" --journal "$work/compared-journal" --reload-check-ms 0 >"$work/unmetered.out" 2>&1 &
unmetered_pid=$!
pids+=($unmetered_pid)
unmetered=$(wait_url "$work/unmetered.out")

question='"messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]'
plain="{\"model\":\"chat\",$question}"
stream="{\"model\":\"chat\",\"stream\":true,$question}"
# The same question through the Responses API, translated to the same OpenAI-chat target.
responses_plain='{"model":"chat","input":"Summarise the quarterly report in one line."}'
responses_stream='{"model":"chat","stream":true,"input":"Summarise the quarterly report in one line."}'
static_plain="{\"model\":\"static\",$question}"
translated_plain="{\"model\":\"translated\",$question}"
translated_stream="{\"model\":\"translated\",\"stream\":true,$question}"
# What the gateway sends the Anthropic mock, sent to it directly.
anthropic_plain="{\"model\":\"bench-claude\",\"max_tokens\":4096,$question}"
anthropic_stream="{\"model\":\"bench-claude\",\"max_tokens\":4096,\"stream\":true,$question}"

run() {  # name url body connections mode [path]
  local measured=$gateway_pid out
  [[ $1 == nginx-proxy* ]] && measured=$proxy_pid
  # The gateway's (or the reference proxy's) own CPU time a request: what one core could
  # sustain if the upstream and the load generator weren't sharing the other one. A direct
  # call's row has none (the gateway sits idle).
  out=$(wrk_round "$measured" "$2" "$3" "$key" "$4" "$DURATION" "${6:-}")
  [[ $1 == gateway* || $1 == nginx-proxy* ]] || out=${out% cpu_us_per_request=*}
  printf '%-20s %-8s %5s  %s\n' "$1" "$5" "$4" "$out"
}

# Warm both paths (connection pools, caches).
BODY="$plain" AUTH="$key" wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$gateway/v1/chat/completions" >/dev/null
BODY="$static_plain" AUTH="$key" wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$gateway/v1/chat/completions" >/dev/null
BODY="$translated_plain" AUTH="$key" wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$gateway/v1/chat/completions" >/dev/null
BODY="$responses_plain" AUTH="$key" wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$gateway/v1/responses" >/dev/null

echo "path                 mode     conns  result"
if [[ ${ONLY:-} == embeddings ]]; then
  # Embeddings requests of 1, 16 and 256 texts (base64 vectors, as the openai SDK asks), passed
  # through to the same mock as a direct call; a chat request alongside for reference.
  for conns in 1 16; do
    run direct "$mock" "$plain" "$conns" json
    run gateway "$gateway" "$plain" "$conns" json
  done
  for count in 1 16 256; do
    texts=$(python3 -c "import json; print(json.dumps(['maintenance note %d for substation %d of the northern grid' % (i, i % 7) for i in range($count)]))")
    direct_body="{\"model\":\"bench-embed\",\"encoding_format\":\"base64\",\"input\":$texts}"
    gateway_body="{\"model\":\"embed\",\"encoding_format\":\"base64\",\"input\":$texts}"
    BODY="$gateway_body" AUTH="$key" wrk -t1 -c4 -d1s -s Benchmarks/chat.lua "$gateway/v1/embeddings" >/dev/null
    for conns in 1 16; do
      run direct "$mock" "$direct_body" "$conns" "json-$count" /v1/embeddings
      run gateway-embeddings "$gateway" "$gateway_body" "$conns" "json-$count" /v1/embeddings
    done
  done
  exit 0
fi
[[ ${ONLY:-} == responses ]] && for conns in 1 64; do
  for mode in json stream; do
    body=$plain; [[ $mode == stream ]] && body=$stream
    run direct "$mock" "$body" "$conns" "$mode"
    run gateway "$gateway" "$body" "$conns" "$mode"
    body=$responses_plain; [[ $mode == stream ]] && body=$responses_stream
    run gateway-responses "$gateway" "$body" "$conns" "$mode" /v1/responses
  done
done
if [[ ${ONLY:-} == responses ]]; then
  # A stored conversation of 20 turns, continued by every request (each answer kept in turn).
  previous=""
  for turn in $(seq 20); do
    link=""; [[ -n $previous ]] && link="\"previous_response_id\":\"$previous\","
    previous=$(curl -s "$gateway/v1/responses" -H "authorization: Bearer $key" -H 'content-type: application/json' \
      -d "{\"model\":\"chat\",$link\"input\":\"Turn $turn: summarise the quarterly report in one line.\"}" \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  done
  continued="{\"model\":\"chat\",\"previous_response_id\":\"$previous\",\"input\":\"And in one word?\"}"
  for conns in 1 64; do
    run gateway-responses-20-turns "$gateway" "$continued" "$conns" json /v1/responses
  done
  exit 0
fi
[[ ${ONLY:-} == metering || ${ONLY:-} == metrics || ${ONLY:-} == tracing ]] || for conns in 1 64; do
  for mode in json stream; do
    body=$plain; [[ $mode == stream ]] && body=$stream
    run direct "$mock" "$body" "$conns" "$mode"
    run gateway "$gateway" "$body" "$conns" "$mode"
    body=$anthropic_plain; [[ $mode == stream ]] && body=$anthropic_stream
    run direct-anthropic "$mock" "$body" "$conns" "$mode" /v1/messages
    body=$translated_plain; [[ $mode == stream ]] && body=$translated_stream
    run gateway-translated "$gateway" "$body" "$conns" "$mode"
    if [[ $mode == json ]]; then
      run direct-static "$static" "$plain" "$conns" "$mode"
      run gateway-static "$gateway" "$static_plain" "$conns" "$mode"
      run nginx-proxy-static "$proxy" "$plain" "$conns" "$mode"
    fi
  done
done
echo
if [[ $compared == metering ]]; then
  echo "metering: the same gateway with and without usage records (journal + batched SQLite)"
elif [[ $compared == metrics ]]; then
  echo "metrics: the same gateway with and without Prometheus metrics (\"metered\" below: with them)"
else
  echo "tracing: the same gateway with and without traces, every request sampled (\"metered\" below: traced)"
fi
echo "  (${METERING_ROUNDS:-9} pairs of ${METERING_ROUND_SECONDS:-4}-second rounds, metered and unmetered back to back, order"
echo "   alternating; medians, and the cost as the median of the pairs' own costs with its quartiles: this VM's"
echo "   neighbours swing single runs by 20 %, and a pair sees the same neighbours)"
measure() { measure_round "$1" "$2" "$3" "$key" "$4" "${METERING_ROUND_SECONDS:-4}"; }  # pid url body connections
for conns in 1 64; do
  for mode in json stream; do
    body=$plain; [[ $mode == stream ]] && body=$stream
    metered_runs=(); unmetered_runs=(); costs=()
    for round in $(seq "${METERING_ROUNDS:-9}"); do
      if (( round % 2 )); then
        with=$(measure "$gateway_pid" "$gateway" "$body" "$conns")
        without=$(measure "$unmetered_pid" "$unmetered" "$body" "$conns")
      else
        without=$(measure "$unmetered_pid" "$unmetered" "$body" "$conns")
        with=$(measure "$gateway_pid" "$gateway" "$body" "$conns")
      fi
      metered_runs+=("$with"); unmetered_runs+=("$without")
      costs+=("$(awk -v m="${with%% *}" -v u="${without%% *}" 'BEGIN { printf "%.1f", (u - m) * 100 / u }')")
    done
    m_rps=$(printf '%s\n' "${metered_runs[@]}" | cut -d' ' -f1 | median)
    m_cpu=$(printf '%s\n' "${metered_runs[@]}" | cut -d' ' -f2 | median)
    u_rps=$(printf '%s\n' "${unmetered_runs[@]}" | cut -d' ' -f1 | median)
    u_cpu=$(printf '%s\n' "${unmetered_runs[@]}" | cut -d' ' -f2 | median)
    printf '%-8s %5s  metered rps=%s cpu_us=%s  unmetered rps=%s cpu_us=%s  throughput cost=%s%% (quartiles %s%%..%s%%)\n' \
      "$mode" "$conns" "$m_rps" "$m_cpu" "$u_rps" "$u_cpu" "$(printf '%s\n' "${costs[@]}" | median)" \
      "$(printf '%s\n' "${costs[@]}" | quantile 0.25)" "$(printf '%s\n' "${costs[@]}" | quantile 0.75)"
  done
done
echo "ledger records: $(sqlite3 "$work/ledger.db" 'SELECT COUNT(*) FROM usage_records' 2>/dev/null || echo '?')"
# A ledger that keeps up leaves the journal at its first size (4 MB); a larger file is a backlog.
echo "usage journal at the end: $(( $(stat -c %s "$work/ledger.db-usage-journal" 2>/dev/null || echo 0) / 1048576 )) MB"
[[ $compared == tracing ]] && echo "spans received by the sink: $(curl -s "$sink/count")"
echo "gateway peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$gateway_pid/status)"
echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if [[ -z ${ONLY:-} ]]; then
  echo
  BINARY=$BIN bash Benchmarks/callgrind.sh
  echo
  BINARY=$BIN bash Benchmarks/streams.sh
  echo
  BINARY=$BIN bash Benchmarks/litellm.sh
fi
