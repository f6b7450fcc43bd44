"""The PostgreSQL ledger through the real binary: `db migrate`, keys, a gateway metering into
PostgreSQL, reports read back — against the server Tests/all.sh starts (SWITCHYARD_TEST_POSTGRES)."""
import json
import os
import subprocess
import tempfile
from pathlib import Path

import openai
import pytest
import yaml

from conftest import BIN, Process, database, mock_provider, needs_postgres  # noqa: F401 (database is a fixture)

pytestmark = needs_postgres


def run(*args, env, check=True):
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=env, check=check, timeout=60)


@pytest.fixture(scope="module")
def setup(database):
    mock = mock_provider("alpha", "--output-tokens", "9")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-pg-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": "env:SY_LEDGER",
        "providers": [{"name": "alpha", "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:ALPHA_KEY",
                       "models": [{"name": "alpha-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}]}],
        "routes": [{"name": "chat", "targets": ["alpha/alpha-model"]}],
        "tenants": [{"name": "bank"}],
    }, sort_keys=False))
    env = dict(os.environ, SY_LEDGER=database, ALPHA_KEY="sk-alpha-secret")
    yield tmp, routes, env
    mock.stop()


def test_migrate_runs_each_migration_once(setup):
    _, routes, env = setup
    first = run("db", "migrate", "--routes", str(routes), env=env).stdout
    again = run("db", "migrate", "--routes", str(routes), env=env).stdout
    assert "migration(s) applied" in first and "(0 migration(s) applied)" not in first
    assert "(0 migration(s) applied)" in again
    assert "switchyard-test" not in first + again  # the URL's password


def test_a_gateway_meters_into_postgres(setup):
    tmp, routes, env = setup
    key = json.loads(run("keys", "create", "--tenant", "bank", "--routes", str(routes), "--json", env=env).stdout)
    assert any(line.startswith(key["id"]) for line in run("keys", "list", "--routes", str(routes), env=env).stdout.splitlines())
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off",
                       "--journal", str(tmp / "journal")], cwd=tmp, env=env)
    try:
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key["key"])
        usage = [client.chat.completions.create(model="chat", messages=[{"role": "user", "content": f"q{i}"}]).usage
                 for i in range(5)]
    finally:
        assert gateway.stop() == 0  # a graceful stop commits what the journal holds
    report = json.loads(run("spend", "--by", "tenant", "--format", "json", "--routes", str(routes), env=env).stdout)
    assert report == [{
        "tenant": "bank", "requests": 5, "input_tokens": sum(u.prompt_tokens for u in usage), "cached_input_tokens": 0,
        "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0, "output_tokens": sum(u.completion_tokens for u in usage),
        "reasoning_tokens": 0, "search_units": 0, "cache_savings": 0, "cost": report[0]["cost"], "currency": "USD",
    }]
    exported = run("ledger", "export", "--format", "jsonl", "--routes", str(routes), env=env).stdout.splitlines()
    assert len(exported) == 5 and all(json.loads(line)["key_id"] == key["id"] for line in exported)
    assert "sk-alpha-secret" not in gateway.log and "switchyard-test" not in gateway.log
    assert "failed" not in gateway.log  # a graceful stop finishes its commits and syncs, it doesn't cut them


def test_an_unreachable_database_is_a_clear_error_without_the_password(setup):
    _, routes, env = setup
    result = run("keys", "list", "--routes", str(routes), env=dict(env, SY_LEDGER="postgres://gw:hunter2@127.0.0.1:1/ledger"),
                 check=False)
    assert result.returncode != 0
    assert "cannot reach the ledger database postgres://gw:<redacted>@127.0.0.1:1/ledger" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    unset = run("keys", "list", "--routes", str(routes), env={k: v for k, v in env.items() if k != "SY_LEDGER"}, check=False)
    assert unset.returncode != 0 and "ledger: env:SY_LEDGER is not set" in unset.stderr
