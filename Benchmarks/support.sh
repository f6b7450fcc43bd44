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

# The URL a process announced in its output file ("listening on http://…").
wait_url() {  # file
  for _ in $(seq 1 100); do
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

# A zero-latency mock provider on CPU 1 answering 16 tokens; sets $mock to its URL.
start_bench_mock() {  # binary
  taskset -c 1 "$1" mock-provider --port 0 --name bench --output-tokens 16 >"$work/mock.out" 2>&1 &
  pids+=($!)
  mock=$(wait_url "$work/mock.out")
}
