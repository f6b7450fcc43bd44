#!/usr/bin/env bash
# The whole test suite: set-up, Swift unit and live tests, then the Python SDK integration tests
# against the real `switchyard` binary. Fails loudly on the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== setup"
bash .ci/setup

echo "== swift format lint (the project's .swift-format)"
swift format lint --strict --recursive --parallel Sources Tests Benchmarks Package.swift

echo "== swift build"
swift build --build-tests

echo "== postgres (a private server on loopback for the PostgreSQL ledger's tests)"
source Tests/postgres.sh
postgres_start
trap postgres_stop EXIT
echo "   $SWITCHYARD_TEST_POSTGRES_DIR"

echo "== swift test"
swift test --skip-build

echo "== integration (openai SDK, CLI)"
export SWITCHYARD_BIN="$PWD/.build/debug/switchyard"
.venv/bin/python -m pytest -q Tests/Integration
