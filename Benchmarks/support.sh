#!/usr/bin/env bash
# Helpers the benchmark scripts share (sourced, not run).

# Builds release products quietly; on failure shows the build log and stops.
build_release() {  # product…
  local log
  log=$(mktemp)
  for product in "$@"; do
    swift build -c release --product "$product" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
  done
  rm -f "$log"
}

# $BINARY, the gateway to measure: as given, else the release build (built first).
release_binary() {
  if [[ -z "${BINARY:-}" ]]; then
    build_release switchyard
    BINARY=.build/release/switchyard
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The URL a process announced in its output file ("listening on http://…"), waiting up to
# SECONDS (10 unless given).
wait_url() {  # file [seconds]
  for _ in $(seq 1 $(( ${2:-10} * 10 ))); do
    url=$(grep -o 'http://[0-9.]*:[0-9]*' "$1" | head -1 || true)
    [[ -n "$url" ]] && { echo "$url"; return; }
    sleep 0.1
  done
  echo "no listening line in $1" >&2; cat "$1" >&2; exit 1
}

# A scratch folder ($work) and the background processes started in it ($pids), all gone on exit.
bench_workspace() {
  work=$(mktemp -d)
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"' EXIT
}

# A mock provider on CPU 1 — zero latency and 16 tokens unless mock-provider options say
# otherwise; sets $mock to its URL and $mock_pid.
start_bench_mock() {  # binary [mock-provider option…]
  local binary=$1
  shift
  (( $# )) || set -- --output-tokens 16
  taskset -c 1 "$binary" mock-provider --port 0 --name bench "$@" >"$work/mock.out" 2>&1 &
  mock_pid=$!
  pids+=($mock_pid)
  mock=$(wait_url "$work/mock.out")
}

# A static upstream on CPU 1: nginx answering every request with one fixed chat completion —
# the mock's answer to the benchmarks' question (start_bench_mock first), usage included. It
# costs a fraction of the mock's CPU, so at 64 connections the gateway — not its upstream
# sharing the load generator's core — is what runs out. Sets $static to its URL and $static_pid.
start_bench_static() {
  command -v nginx >/dev/null || { echo "nginx missing: bash .ci/setup --bench" >&2; exit 1; }
  local answer
  answer=$(curl -sf "$mock/v1/chat/completions" -H 'content-type: application/json' -H 'authorization: Bearer bench' \
    -d '{"model":"bench-model","messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]}')
  # nginx quotes the answer in single quotes.
  [[ -n $answer && $answer != *"'"* ]] || { echo "no answer from the mock to serve: $answer" >&2; exit 1; }
  run_nginx static 1 "location / { default_type application/json; return 200 '$answer'; }"
  static=$nginx_url static_pid=$nginx_pid
}

# A reference proxy on CPU 0, where the gateway runs: nginx as a reverse proxy to the static
# upstream (start_bench_static first) over kept-alive connections — what a C proxy doing nothing
# but relay costs on this rig, a floor for the gateway's own figures. Sets $proxy and $proxy_pid.
start_bench_proxy() {
  run_nginx proxy 0 "location / { proxy_pass http://provider; proxy_http_version 1.1; proxy_set_header Connection \"\"; }" \
    "upstream provider { server ${static#http://}; keepalive 128; keepalive_requests 100000000; }"
  proxy=$nginx_url proxy_pid=$nginx_pid
}

# One nginx worker in $work/NAME on CPU, serving LOCATION (and any further http-level lines),
# answering once it does: sets $nginx_url and $nginx_pid.
run_nginx() {  # name cpu location [http lines]
  local port
  port=$(free_port)
  mkdir -p "$work/$1"
  cat >"$work/$1/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/$1/nginx.pid;
error_log stderr warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 100000000;
  ${4:-}
  server {
    listen 127.0.0.1:$port backlog=4096;
    $3
  }
}
CONF
  taskset -c "$2" nginx -e stderr -p "$work/$1" -c "$work/$1/nginx.conf" >"$work/$1.out" 2>&1 &
  nginx_pid=$!
  pids+=($nginx_pid)
  nginx_url=http://127.0.0.1:$port
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null -X POST "$nginx_url/v1/chat/completions" && return
    sleep 0.1
  done
  echo "nginx ($1) did not start" >&2; cat "$work/$1.out" >&2; exit 1
}

# The benchmarks' Routes/gateway.yaml in DIR: the mock at $mock as an OpenAI provider (chat
# model and embedding model) and as an Anthropic one; routes `chat` (and `bench-model`, the
# streams client's name for it), `translated` (OpenAI in, Anthropic out) and `embed`; with
# $static set (start_bench_static), route `static` to it; one tenant. MAX_CONNECTIONS
# (optional) raises the server's and the provider's connection limits.
bench_routes() {  # dir ledger [max_connections]
  local server="" limits="" static_provider="" static_route=""
  [[ -n ${3:-} ]] && server="server: { max_connections: $3 }" && limits="max_connections: $3, read_timeout_ms: 600000, "
  if [[ -n ${static:-} ]]; then
    static_provider="  - { name: static, dialect: openai, base_url: $static/v1, api_key: env:BENCH_KEY, ${limits}models: [
      { name: bench-model, input_per_mtok: 1, output_per_mtok: 2, currency: USD } ] }"
    static_route="  - { name: static, targets: [static/bench-model] }"
  fi
  mkdir -p "$1"
  cat >"$1/gateway.yaml" <<YAML
ledger: $2
$server
providers:
  - { name: bench, dialect: openai, base_url: $mock/v1, api_key: env:BENCH_KEY, ${limits}models: [
      { name: bench-model, input_per_mtok: 1, output_per_mtok: 2, currency: USD },
      { name: bench-embed, kind: embedding, dimensions: 1024, input_per_mtok: 0.02, output_per_mtok: 0, currency: USD } ] }
  - { name: bench-anthropic, dialect: anthropic, base_url: $mock, api_key: env:BENCH_KEY, ${limits}models: [
      { name: bench-claude, input_per_mtok: 1, output_per_mtok: 2, currency: USD } ] }
$static_provider
routes:
  - { name: chat, targets: [bench/bench-model] }
  - { name: bench-model, targets: [bench/bench-model] }
  - { name: translated, targets: [bench-anthropic/bench-claude] }
  - { name: embed, targets: [bench/bench-embed] }
$static_route
tenants:
  - { name: bench }
YAML
}

# The scripts' one-connection rig: the mock, nginx's static answer (both on CPU 1) and a gateway
# on CPU 0 routing `static` to it (FLAGS: more `serve` options), warmed up. Sets $gateway,
# $gateway_pid, $key and $static_body, the request to send.
start_bench_static_gateway() {  # binary
  start_bench_mock "$1"
  start_bench_static
  bench_routes "$work/Routes" "sqlite:$work/ledger.db"
  key=$("$1" keys create --tenant bench --routes "$work/Routes" 2>/dev/null)
  # shellcheck disable=SC2086
  BENCH_KEY=upstream-key taskset -c 0 "$1" serve --routes "$work/Routes" --port 0 --offline off \
    --log-level warning --journal "$work/journal" --reload-check-ms 0 ${FLAGS:-} >"$work/gateway.out" 2>&1 &
  gateway_pid=$!
  pids+=($gateway_pid)
  gateway=$(wait_url "$work/gateway.out")
  static_body='{"model":"static","messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]}'
  BODY="$static_body" AUTH="$key" taskset -c 1 wrk -t1 -c8 -d2s -s Benchmarks/chat.lua "$gateway/v1/chat/completions" >/dev/null
}

# One round of wrk (on CPU 1) POSTing BODY with KEY to URL (at /v1/chat/completions unless PATH
# is given), and the CPU time (user + system, from /proc) a request of process PID over it: wrk's
# result (rps= p50_us= p99_us= requests= errors=) and cpu_us_per_request=N.
wrk_round() {  # pid url body key connections seconds [path]
  local before after out requests
  before=$(awk '{print $14 + $15}' "/proc/$1/stat")
  out=$(BODY="$3" AUTH="$4" taskset -c 1 wrk -t1 -c"$5" -d"$6s" -s Benchmarks/chat.lua "$2${7:-/v1/chat/completions}" | grep RESULT)
  after=$(awk '{print $14 + $15}' "/proc/$1/stat")
  requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$out")
  echo "${out#RESULT } cpu_us_per_request=$(( requests > 0 ? (after - before) * 1000000 / $(getconf CLK_TCK) / requests : 0 ))"
}

# One wrk_round against a gateway, as "rps cpu_us_per_request".
measure_round() {  # pid url body key connections seconds
  local out
  out=$(wrk_round "$@")
  echo "$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$out") ${out##*=}"
}

# quantile Q of numbers on stdin (Q = 0.25, 0.5, 0.75; nearest rank)
quantile() { sort -g | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * (NR - 1) + 1.5); print v[i] }'; }
median() { quantile 0.5; }
