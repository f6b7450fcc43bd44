#!/usr/bin/env bash
# The gateway beside LiteLLM's proxy (from PyPI) in one run: both pinned to CPU 0 in turn, both
# routing the same chat request to nginx's fixed answer on CPU 1, wrk on CPU 1; at one connection
# and at 64, wrk's requests a second and latency and each proxy's CPU time a request.
#
#   bash Benchmarks/litellm.sh                 # 10 s a round
#   SECONDS_PER_ROUND=5 BINARY=.build/release/switchyard bash Benchmarks/litellm.sh
#
# LiteLLM is installed into .build/litellm (a virtualenv; LITELLM_VERSION pins it) the first time,
# and runs as its documented proxy (`litellm --config`), one worker, its master key as the client's
# key, no database.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/support.sh
release_binary
venv=.build/litellm
if [[ ! -x $venv/bin/litellm ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "litellm[proxy]${LITELLM_VERSION:+==$LITELLM_VERSION}"
fi
seconds=${SECONDS_PER_ROUND:-10}
bench_workspace
start_bench_static_gateway "$BINARY"

litellm_key=sk-$(openssl rand -hex 32)
port=$(free_port)
cat >"$work/litellm.yaml" <<YAML
model_list:
  - model_name: static
    litellm_params: { model: openai/bench-model, api_base: $static/v1, api_key: upstream-key }
litellm_settings: { telemetry: false, turn_off_message_logging: true }
general_settings: { master_key: $litellm_key }
YAML
LITELLM_LOG=ERROR taskset -c 0 "$venv/bin/litellm" --config "$work/litellm.yaml" --host 127.0.0.1 --port "$port" \
  --num_workers 1 >"$work/litellm.out" 2>&1 &
litellm_pid=$!
pids+=($litellm_pid)
litellm=http://127.0.0.1:$port
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "$litellm/health/liveliness" && break
  sleep 0.2
done
curl -sf -o /dev/null "$litellm/v1/chat/completions" -H 'content-type: application/json' \
  -H "authorization: Bearer $litellm_key" -d "$static_body" || { echo "LiteLLM did not answer" >&2; cat "$work/litellm.out" >&2; exit 1; }
BODY="$static_body" AUTH="$litellm_key" taskset -c 1 wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$litellm/v1/chat/completions" >/dev/null

echo "LiteLLM $("$venv/bin/pip" show litellm | awk '/^Version/ {print $2}') against the gateway, ${seconds} s a round, to nginx's fixed answer"
printf '%-8s %5s  %s\n' path conns result
for conns in 1 64; do
  printf '%-8s %5s  %s\n' direct "$conns" "$(wrk_round "$gateway_pid" "$static" "$static_body" "$key" "$conns" "$seconds" | sed 's/ cpu_us_per_request=.*//')"
  printf '%-8s %5s  %s\n' gateway "$conns" "$(wrk_round "$gateway_pid" "$gateway" "$static_body" "$key" "$conns" "$seconds")"
  printf '%-8s %5s  %s\n' litellm "$conns" "$(wrk_round "$litellm_pid" "$litellm" "$static_body" "$litellm_key" "$conns" "$seconds")"
done
echo "peak RSS: gateway $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$gateway_pid/status"), LiteLLM $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$litellm_pid/status")"
