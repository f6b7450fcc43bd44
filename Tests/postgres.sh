#!/usr/bin/env bash
# A private PostgreSQL server for the tests, on a loopback port, in a fresh directory.
#   source Tests/postgres.sh   starts it and exports SWITCHYARD_TEST_POSTGRES (a postgres:// URL)
#                              and SWITCHYARD_TEST_POSTGRES_DIR (the data directory is its data/:
#                              `pg_ctl -D …/data stop|start` restarts it, as a test of an outage
#                              does); `postgres_stop` stops it and removes the directory.
# Uses Debian's PostgreSQL (installed by .ci/setup). The server refuses to run as root, so as
# root it runs as the `postgres` system user the Debian package creates.

postgres_start() {
  local bin dir port as
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -x "$bin/initdb" ]] || { echo "postgres.sh: PostgreSQL is not installed (run .ci/setup)" >&2; return 1; }
  dir=$(mktemp -d /tmp/switchyard-postgres.XXXXXX)
  as=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "switchyard-test" > "$dir/password"
  chmod 600 "$dir/password"
  [[ $(id -u) -eq 0 ]] && chown postgres "$dir/password"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U switchyard --pwfile="$dir/password" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  # In the configuration file, so a test can stop and start the server with plain pg_ctl.
  printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nmax_connections = 200\n" \
    "$port" "$dir" >>"$dir/data/postgresql.conf"
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  PGPASSWORD=switchyard-test "$bin/psql" -q -h 127.0.0.1 -p "$port" -U switchyard -d postgres \
    -c "CREATE DATABASE switchyard_test" >/dev/null
  export SWITCHYARD_TEST_POSTGRES="postgres://switchyard:switchyard-test@127.0.0.1:$port/switchyard_test"
  export SWITCHYARD_TEST_POSTGRES_DIR="$dir"
  export SWITCHYARD_TEST_POSTGRES_BIN="$bin"
  POSTGRES_AS=("${as[@]}")
}

postgres_stop() {
  [[ -n "${SWITCHYARD_TEST_POSTGRES_DIR:-}" ]] || return 0
  "${POSTGRES_AS[@]}" "$SWITCHYARD_TEST_POSTGRES_BIN/pg_ctl" -D "$SWITCHYARD_TEST_POSTGRES_DIR/data" -m fast -w stop \
    >/dev/null 2>&1 || true
  rm -rf "$SWITCHYARD_TEST_POSTGRES_DIR"
  unset SWITCHYARD_TEST_POSTGRES SWITCHYARD_TEST_POSTGRES_DIR
}
