"""Three gateway replicas on different ports sharing one PostgreSQL database, driven by the real
SDKs from several threads: keys, budgets and the ledger hold across replicas, and a database
restart in the middle of the load loses no record."""
import json
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import anthropic
import openai
import pytest
import yaml

from conftest import BIN, Process, database, mock_provider, needs_postgres, postgres_server, psql, raw_request  # noqa: F401

pytestmark = needs_postgres

ADMIN_KEY = "sy-admin-replicas-0123456789abcdefghij"
QUESTION = [{"role": "user", "content": "Settle the invoice?"}]


def write_routes(tmp, mock_url, metering=None):
    routes = tmp / "Routes"
    routes.mkdir(exist_ok=True)
    config = {
        "ledger": "env:SY_LEDGER",
        "admin_key": "env:SY_ADMIN_KEY",
        "providers": [{"name": "pricey", "dialect": "openai", "base_url": mock_url + "/v1", "api_key": "env:MOCK_KEY",
                       # 0.001 USD per output token, prompts free: a 10-token answer costs exactly 0.01.
                       "models": [{"name": "pricey-model", "input_per_mtok": 0, "output_per_mtok": 1000, "currency": "USD"}]}],
        "routes": [{"name": "chat", "targets": ["pricey/pricey-model"]}],
        "tenants": [
            {"name": "bank"},
            {"name": "capped", "budget": {"amount": 0.3, "currency": "USD", "period": "month"}},
            {"name": "paced", "limits": {"rpm": 20}},
        ],
    }
    if metering:
        config["metering"] = metering
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return routes


class Cluster:
    def __init__(self, database_url, replicas=3, metering=None):
        self.database = database_url
        self.mock = mock_provider("pricey", "--latency-ms", "20")
        self.tmp = Path(tempfile.mkdtemp(prefix="switchyard-replicas-"))
        self.routes = write_routes(self.tmp, self.mock.url, metering)
        self.env = dict(os.environ, SY_LEDGER=database_url, SY_ADMIN_KEY=ADMIN_KEY, MOCK_KEY="sk-mock-secret")
        self.replicas = [
            Process([BIN, "serve", "--routes", str(self.routes), "--port", "0", "--offline", "off",
                     "--journal", str(self.tmp / f"journal-{n}")], cwd=self.tmp, env=self.env)
            for n in range(replicas)
        ]

    def admin(self, replica, method, path, body=None):
        headers = {"authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        return raw_request(method, self.replicas[replica].url + path, data, headers)

    def key(self, tenant, replica=0):
        made = self.admin(replica, "POST", "/admin/keys", {"tenant": tenant})
        assert made.status_code == 201, made.body
        return made.json()

    def client(self, replica, key):
        return openai.OpenAI(base_url=self.replicas[replica].url + "/v1", api_key=key, max_retries=0, timeout=30)

    def stop(self):
        codes = [replica.stop() for replica in self.replicas]
        self.mock.stop()
        return codes

    def records(self, key_id):
        """The ledger's records of one key: count, input and output tokens, distinct request ids."""
        rows = psql(self.database, f"SELECT count(*), COALESCE(sum(input_tokens), 0), COALESCE(sum(output_tokens), 0), "
                                   f"count(DISTINCT request_id) FROM usage_records WHERE key_id = '{key_id}'")
        return tuple(int(cell) for cell in rows.split("\t"))

    def wait_for_records(self, key_id, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.records(key_id)[0] >= count:
                    break
            except Exception:  # the database may still be starting
                pass
            time.sleep(0.2)
        time.sleep(1)  # and nothing more arrives
        return self.records(key_id)


@pytest.fixture(scope="module")
def cluster(database):
    cluster = Cluster(database)
    yield cluster
    assert cluster.stop() == [0, 0, 0]
    for replica in cluster.replicas:
        assert "sk-mock-secret" not in replica.log and "switchyard-test" not in replica.log


def ask(client, index, stream):
    """One request; its provider-reported usage (prompt, completion)."""
    if stream:
        chunks = client.chat.completions.create(
            model="chat", messages=QUESTION + [{"role": "user", "content": f"#{index}"}], max_tokens=10, stream=True,
            stream_options={"include_usage": True})
        usage = [chunk.usage for chunk in chunks if chunk.usage]
        return usage[-1].prompt_tokens, usage[-1].completion_tokens
    answer = client.chat.completions.create(model="chat", messages=QUESTION + [{"role": "user", "content": f"#{index}"}],
                                            max_tokens=10)
    return answer.usage.prompt_tokens, answer.usage.completion_tokens


def test_a_key_made_on_one_replica_works_on_every_other_at_once_and_revocation_reaches_them(cluster):
    key = cluster.key("bank", replica=0)
    for replica in (1, 2):  # no wait: the other replicas look a key they don't know up in the database
        cluster.client(replica, key["key"]).chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
    claude = anthropic.Anthropic(base_url=cluster.replicas[2].url, api_key=key["key"], max_retries=0)
    claude.messages.create(model="chat", max_tokens=5, messages=QUESTION)

    assert cluster.admin(0, "DELETE", f"/admin/keys/{key['id']}").status_code == 200
    revoked_at = time.monotonic()
    c = cluster.client(2, key["key"])
    while True:
        try:
            c.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
        except openai.AuthenticationError:
            break
        assert time.monotonic() - revoked_at <= 5, "replica C still accepts a key revoked on A after 5 s"
        time.sleep(0.1)
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(base_url=cluster.replicas[1].url, api_key=key["key"], max_retries=0).messages.create(
            model="chat", max_tokens=5, messages=QUESTION)


def test_concurrent_load_on_three_replicas_is_metered_once_per_response(cluster):
    key = cluster.key("bank")
    clients = [cluster.client(replica, key["key"]) for replica in range(3)]

    def worker(n):
        return [ask(clients[(n + i) % 3], n * 100 + i, stream=(i % 3 == 0)) for i in range(15)]

    with ThreadPoolExecutor(max_workers=9) as pool:
        usages = [usage for batch in pool.map(worker, range(9)) for usage in batch]
    count, input_tokens, output_tokens, request_ids = cluster.wait_for_records(key["id"], len(usages))
    # Exactly one record per completed response, with the usage the provider reported.
    assert count == request_ids == len(usages)
    assert input_tokens == sum(u[0] for u in usages)
    assert output_tokens == sum(u[1] for u in usages)
    spend = json.loads(cluster.admin(1, "GET", f"/admin/spend?by=key&key={key['id']}").body, parse_float=Decimal)
    assert spend[0]["requests"] == count and spend[0]["output_tokens"] == output_tokens
    assert spend[0]["cost"] == Decimal(output_tokens) / 1000  # 0.001 USD per output token, exactly


def test_a_shared_budget_is_never_overspent_by_more_than_one_reservation_per_replica(cluster):
    key = cluster.key("capped")
    clients = [cluster.client(replica, key["key"]) for replica in range(3)]

    def one(n):
        try:
            clients[n % 3].chat.completions.create(model="chat", messages=QUESTION, max_tokens=10)
            return "ok"
        except openai.RateLimitError as error:
            assert error.body["code"] == "insufficient_quota"
            assert "budget of tenant 'capped' (0.3 USD/month)" in error.body["message"]
            return "refused"

    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(one, range(72)))
    ok = outcomes.count("ok")
    assert ok + outcomes.count("refused") == 72
    count, _, output_tokens, _ = cluster.wait_for_records(key["id"], ok)
    assert count == ok
    spent = Decimal(output_tokens) / 1000
    reservation = Decimal("0.01")
    assert spent <= Decimal("0.3") + 3 * reservation
    assert ok >= 15, f"a budget of 30 requests admitted only {ok}"


def test_a_rate_limit_holds_across_replicas_within_the_documented_tolerance(cluster):
    key = cluster.key("paced")["key"]
    clients = [cluster.client(replica, key) for replica in range(3)]
    admitted = refused = 0
    for i in range(40):  # 10 requests a second, round robin: each replica alone would admit all 40
        try:
            clients[i % 3].chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
            admitted += 1
        except openai.RateLimitError as error:
            assert error.body["code"] == "rate_limit_exceeded"
            assert "tenant 'paced' reached: 20 requests per minute" in error.body["message"]
            assert 1 <= int(error.response.headers["retry-after"]) <= 60
            refused += 1
        time.sleep(0.1)
    # Past the limit gets at most what the other replicas admitted in their last half second
    # (about 3 requests at this pace) plus a sync's round trip; one gateway alone would admit all 40.
    assert 20 <= admitted <= 26 and admitted + refused == 40, (admitted, refused)


def test_a_database_restart_mid_load_loses_no_record(cluster):
    key = cluster.key("bank")
    clients = [cluster.client(replica, key["key"]) for replica in range(3)]
    stop = threading.Event()
    completed, failures = [], []

    def worker(n):
        i = 0
        while not stop.is_set():
            try:
                completed.append(ask(clients[(n + i) % 3], i, stream=(i % 2 == 0)))
            except Exception as error:  # noqa: BLE001 — counted and reported below
                failures.append(repr(error))
            i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    postgres_server("stop")
    try:
        time.sleep(3)
        during = len(completed)
    finally:
        postgres_server("start")
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == [], "keep_serving: requests are served through the outage"
    assert during > 0
    count, _, _, request_ids = cluster.wait_for_records(key["id"], len(completed), timeout=60)
    assert count == len(completed), "every response served during the outage reached the ledger once"
    assert request_ids == count


def test_three_replicas_append_to_one_audit_chain_without_forking_it(cluster):
    with ThreadPoolExecutor(9) as pool:
        made = list(pool.map(lambda n: cluster.admin(n % 3, "POST", "/admin/keys", {"tenant": "bank"}).json()["id"], range(30)))
    audit = subprocess.run([BIN, "audit", "log", "--limit", "100000", "--routes", str(cluster.routes)], capture_output=True,
                           text=True, env=cluster.env, check=True)
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [e["sequence"] for e in entries] == list(range(1, len(entries) + 1))
    assert sorted(e["subject"] for e in entries if e["subject"] in made) == sorted(made)
    assert len([e for e in entries if e["action"] == "config.loaded"]) == 3  # one per replica
    verify = [BIN, "audit", "verify", "--routes", str(cluster.routes)]
    assert subprocess.run(verify, capture_output=True, text=True, env=cluster.env).returncode == 0
    # An edit made in the database by hand is named.
    psql(cluster.database, "UPDATE audit_log SET detail = '{\"tenant\":\"city\"}' WHERE sequence = 7")
    broken = subprocess.run(verify, capture_output=True, text=True, env=cluster.env)
    assert broken.returncode == 1 and "entry 7: its contents don't match its hash" in broken.stderr


def test_closed_days_are_sealed_once_and_an_edit_in_the_database_names_its_day(cluster):
    made = cluster.key("bank")
    ask(cluster.client(0, made["key"]), 0, False)
    cluster.wait_for_records(made["id"], 1)
    def run(*args, check=True):
        return subprocess.run([BIN, *args, "--routes", str(cluster.routes)], capture_output=True, text=True, env=cluster.env,
                              check=check)
    [template] = [json.loads(line) for line in run("ledger", "export").stdout.splitlines()
                  if json.loads(line)["key_id"] == made["id"]]
    records = [dict(template, id=f"old-{day}-{n}", time=f"2026-02-0{day}T{n:02d}:30:00Z") for day in (1, 2) for n in range(24)]
    path = cluster.tmp / "old.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    run("ledger", "import", str(path))
    # Two sealers at once (as replicas race at a day's end): each day is sealed once.
    with ThreadPoolExecutor(2) as pool:
        outputs = list(pool.map(lambda _: run("ledger", "seal").stdout, range(2)))
    sealed = [line.split(":")[0] for output in outputs for line in output.splitlines() if line.startswith("sealed")]
    assert len(sealed) == len(set(sealed)) and "sealed 2026-02-01" in sealed and "sealed 2026-02-02" in sealed
    entries = [json.loads(line) for line in run("audit", "log", "--limit", "100000").stdout.splitlines()]
    assert sorted(e["subject"] for e in entries if e["action"] == "ledger.sealed") == sorted(s.split()[1] for s in sealed)
    assert psql(cluster.database, "SELECT records FROM usage_seals WHERE day = '2026-02-02'") == "24"
    assert run("ledger", "verify").returncode == 0
    psql(cluster.database, "UPDATE usage_attempts SET cost_nanos = cost_nanos + 1 WHERE id = 'old-2-5'")
    broken = run("ledger", "verify", check=False)
    assert broken.returncode == 1 and "2026-02-02: a record was edited after the seal" in broken.stderr

def test_fail_closed_refuses_while_the_database_is_away(database):
    cluster = Cluster(database, replicas=1, metering={"on_ledger_outage": "fail_closed", "outage_grace_ms": 500})
    try:
        made = cluster.key("bank")
        key = made["key"]
        client = cluster.client(0, key)
        client.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
        postgres_server("stop")
        served = 0
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    client.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
                    served += 1
                except openai.InternalServerError as error:
                    assert error.status_code == 503
                    assert error.body["type"] == "service_unavailable"
                    assert "on_ledger_outage: fail_closed" in error.body["message"]
                    break
                assert time.monotonic() < deadline, "still serving 15 s into the outage"
                time.sleep(0.1)
            with pytest.raises(anthropic.InternalServerError) as raised:
                anthropic.Anthropic(base_url=cluster.replicas[0].url, api_key=key, max_retries=0).messages.create(
                    model="chat", max_tokens=5, messages=QUESTION)
            assert raised.value.status_code == 503 and raised.value.body["type"] == "error"
            # The admin API answers too, within its bound, rather than waiting for the database.
            started = time.monotonic()
            report = cluster.admin(0, "GET", "/admin/spend?by=tenant")
            assert report.status_code == 503 and "ledger database did not answer" in report.json()["error"]["message"]
            assert time.monotonic() - started < 10
        finally:
            postgres_server("start")
        deadline = time.monotonic() + 20
        while True:  # serving again once the journal reached the database
            try:
                client.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
                break
            except openai.InternalServerError:
                assert time.monotonic() < deadline, "still refusing 20 s after the database returned"
                time.sleep(0.2)
        assert cluster.wait_for_records(made["id"], served + 2)[0] == served + 2
    finally:
        assert cluster.stop() == [0]
