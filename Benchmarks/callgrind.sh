#!/usr/bin/env bash
# Instructions per proxied request, counted by valgrind's callgrind: a figure that does not move
# with the machine's neighbours (wall-clock benchmarks do), so a regression shows as a number.
# The gateway runs under callgrind with metering on. Callgrind dumps (and zeroes) its counters
# whenever the gateway enters its `/healthz` handler, so a scenario is: a warm-up, `/healthz`,
# REQUESTS requests one after another on one keep-alive connection, `/healthz` — the second dump
# holds those requests alone. Printed per scenario: instructions a request, and where they go
# (Benchmarks/callgrind/modules.py): by part of the gateway — each charged with the runtime and
# libc code it calls — then by module.
#
#   bash Benchmarks/callgrind.sh                 # 300 requests per scenario
#   REQUESTS=1000 bash Benchmarks/callgrind.sh
#   BINARY=.build/release/switchyard bash Benchmarks/callgrind.sh   # skip the build
#   KEEP=callgrind-out bash Benchmarks/callgrind.sh   # keep the profiles (callgrind_annotate)
#
# valgrind ≥ 3.22 reads this toolchain's DWARF 5 debug information; Debian 12 ships 3.19, so
# the script fetches Debian 13's package into .build/valgrind (apt's own state untouched).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-300}
source Benchmarks/support.sh
release_binary

# A valgrind that can read the binary: the system's when recent enough, else Debian 13's.
valgrind=valgrind
if ! command -v valgrind >/dev/null ||
  [[ $(printf '%s\n' valgrind-3.22 "$(valgrind --version)" | sort -V | head -1) != valgrind-3.22 ]]; then
  root=$PWD/.build/valgrind
  if [[ ! -x $root/usr/bin/valgrind ]]; then
    echo "fetching valgrind from Debian 13 into .build/valgrind" >&2
    mkdir -p "$root/lists/partial"
    echo 'deb http://deb.debian.org/debian trixie main' >"$root/sources.list"
    apt_options=(-qq -o "Dir::Etc::SourceList=$root/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$root/lists" -o APT::Sandbox::User=root)
    apt-get "${apt_options[@]}" update
    (cd "$root" && apt-get "${apt_options[@]}" download valgrind)
    dpkg-deb -x "$root"/valgrind_*.deb "$root"
  fi
  export VALGRIND_LIB=$root/usr/libexec/valgrind
  valgrind=$root/usr/bin/valgrind
fi

bench_workspace
compiler=cc
command -v cc >/dev/null || compiler=clang # the Swift toolchain's
"$compiler" -O2 -shared -fPIC Benchmarks/callgrind/sigsuspend.c -o "$work/sigsuspend.so"
start_bench_mock "$BINARY"
bench_routes "$work/Routes" "sqlite:$work/ledger.db"
key=$("$BINARY" keys create --tenant bench --routes "$work/Routes" 2>/dev/null)
# `--dump-before` names the `/healthz` handler: a closure in HealthController.register (mangled).
LD_PRELOAD=$work/sigsuspend.so BENCH_KEY=upstream-key taskset -c 0 "$valgrind" --tool=callgrind \
  --callgrind-out-file="$work/callgrind.out" --dump-before='*HealthControllerV8register*YbcfU_' \
  "$BINARY" serve --routes "$work/Routes" --port 0 --offline off --log-level warning \
  --journal "$work/journal" --reload-check-ms 0 >"$work/gateway.out" 2>&1 &
gateway_pid=$!
pids+=($gateway_pid)
gateway=$(wait_url "$work/gateway.out" 300)

python=.venv/bin/python
[[ -x $python ]] || python=python3
# Requests one after another on one connection (each must answer 200), then `/healthz`, which
# makes callgrind dump what they cost; prints that dump's file.
measure() {  # body count
  local dump
  dump=$work/callgrind.out.$(( $(find "$work" -name 'callgrind.out.*' | wc -l) + 1 ))
  taskset -c 1 "$python" - "$gateway" "$key" "$1" "$2" <<'PY'
import http.client, sys, urllib.parse
url, key, body, count = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=300)
headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
for _ in range(count):
    connection.request("POST", "/v1/chat/completions", body, headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        sys.exit(f"status {response.status}: {answer[:200]!r}")
connection.request("GET", "/healthz")
connection.getresponse().read()
PY
  for _ in $(seq 1 100); do
    [[ -s $dump ]] && break
    sleep 0.1
  done
  echo "$dump"
}

question='"messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]'
echo "instructions per proxied request, callgrind, $REQUESTS requests a scenario ($(date -u +%F), $(git rev-parse --short HEAD))"
for scenario in "json chat {\"model\":\"chat\",$question}" \
  "stream chat {\"model\":\"chat\",\"stream\":true,$question}" \
  "json translated {\"model\":\"translated\",$question}"; do
  read -r mode route body <<<"$scenario"
  measure "$body" 50 >/dev/null # warm: connection pools, caches, lazily built state
  profile=$(measure "$body" "$REQUESTS")
  [[ -n ${KEEP:-} ]] && mkdir -p "$KEEP" && cp "$profile" "$KEEP/$route-$mode.callgrind"
  "$python" Benchmarks/callgrind/modules.py "$profile" "$REQUESTS" "$route $mode"
done
