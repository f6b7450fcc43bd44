"""The tamper-evident audit trail on the embedded SQLite ledger: every administrative change — keys
created and revoked from the CLI and the admin API, the configuration loaded and reloaded — is
appended once to a hash chain; `switchyard audit verify` holds on the untouched chain and names the
first entry that was edited, removed or inserted by hand; concurrent changes never fork it."""
import json
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from conftest import BIN, admin_gateway, ledger_records, raw_request, stop_admin_gateway

ADMIN_KEY = "sy-admin-audit-0123456789abcdefghijklmnop"


@pytest.fixture(scope="module")
def audited():
    state = admin_gateway("audit", ADMIN_KEY, [{"name": "bank"}, {"name": "city"}], "--reload-check-ms", "200")
    yield state
    stop_admin_gateway(state)


def cli(audited, *args, check=True):
    return subprocess.run([BIN, *args, "--routes", str(audited["routes"])], capture_output=True, text=True,
                          cwd=audited["tmp"], env=audited["env"], check=check)


def trail(audited):
    return [json.loads(line) for line in cli(audited, "audit", "log", "--limit", "100000").stdout.splitlines()]


def admin(audited, method, path, body=None):
    headers = {"authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"}
    return raw_request(method, audited["gateway"].url + path, json.dumps(body).encode() if body else None, headers)


def test_every_change_is_in_the_chain_once(audited):
    by_cli = json.loads(cli(audited, "keys", "create", "--tenant", "bank", "--budget", "5USD/day", "--json").stdout)
    by_api = admin(audited, "POST", "/admin/keys", {"tenant": "city", "rpm": 60, "allowed_routes": ["chat"]}).json()
    assert admin(audited, "DELETE", f"/admin/keys/{by_api['id']}").status_code == 200
    cli(audited, "keys", "revoke", by_cli["id"])
    # A reload (the file watcher) is recorded with the new configuration's hash.
    before = [e for e in trail(audited) if e["action"].startswith("config.")]
    audited["config"]["tenants"].append({"name": "energy"})
    (audited["routes"] / "gateway.yaml").write_text(yaml.safe_dump(audited["config"], sort_keys=False))
    deadline = time.monotonic() + 10
    while len([e for e in trail(audited) if e["action"] == "config.reloaded"]) < 1 and time.monotonic() < deadline:
        time.sleep(0.2)

    entries = trail(audited)
    assert [e["sequence"] for e in entries] == list(range(1, len(entries) + 1))
    changes = [(e["actor"], e["action"], e["subject"]) for e in entries if e["action"].startswith("key.")]
    assert changes == [("cli", "key.created", by_cli["id"]), ("admin", "key.created", by_api["id"]),
                       ("admin", "key.revoked", by_api["id"]), ("cli", "key.revoked", by_cli["id"])]
    created = {e["subject"]: json.loads(e["detail"]) for e in entries if e["action"] == "key.created"}
    assert created[by_cli["id"]] == {"tenant": "bank", "budget": "5 USD/day"}
    assert created[by_api["id"]] == {"tenant": "city", "rpm": "60", "allowed_routes": "chat"}
    assert {e["source"] for e in entries if e["actor"] == "admin"} == {"127.0.0.1"}
    [loaded] = before
    [reloaded] = [e for e in entries if e["action"] == "config.reloaded"]
    assert loaded["action"] == "config.loaded" and loaded["actor"] == "gateway"
    assert len(reloaded["subject"]) == 64 and reloaded["subject"] != loaded["subject"]
    # No secret anywhere in the trail.
    text = json.dumps(entries)
    assert by_cli["key"] not in text and by_api["key"] not in text and ADMIN_KEY not in text
    assert cli(audited, "audit", "verify").stdout.strip() == f"audit trail intact: {len(entries)} entries"


def test_concurrent_changes_never_fork_the_chain(audited):
    count = len(trail(audited))
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: admin(audited, "POST", "/admin/keys", {"tenant": "bank"}).json()["id"], range(24)))
        # The CLI writes to the same file as the running gateway, at the same time.
        list(pool.map(lambda _: cli(audited, "keys", "create", "--tenant", "city"), range(4)))
    entries = trail(audited)
    assert len(entries) == count + 28 and [e["sequence"] for e in entries] == list(range(1, len(entries) + 1))
    assert sorted(e["subject"] for e in entries if e["action"] == "key.created" and e["subject"] in made) == sorted(made)
    assert cli(audited, "audit", "verify").returncode == 0


def tamper(audited, sql, *parameters):
    with sqlite3.connect(audited["db"]) as connection:
        connection.execute(sql, parameters)


def test_a_row_edited_removed_or_inserted_by_hand_is_named(audited):
    entries = trail(audited)
    third = entries[2]
    tamper(audited, "UPDATE audit_log SET actor = 'someone-else' WHERE sequence = 3")
    result = cli(audited, "audit", "verify", check=False)
    assert result.returncode == 1 and "entry 3: its contents don't match its hash" in result.stderr
    tamper(audited, "UPDATE audit_log SET actor = ? WHERE sequence = 3", third["actor"])
    assert cli(audited, "audit", "verify").returncode == 0

    # Removed: the gap is named.
    tamper(audited, "DELETE FROM audit_log WHERE sequence = 5")
    result = cli(audited, "audit", "verify", check=False)
    assert result.returncode == 1 and "entry 5: missing" in result.stderr
    # Re-inserted with a fresh hash of its own edited contents: the next entry no longer links to it.
    fifth = entries[4]
    forged = dict(fifth, actor="forger")
    tamper(audited, "INSERT INTO audit_log (sequence, time_seconds, actor, action, subject, detail, source, previous_hash, hash) "
                    "VALUES (5, 0, ?, ?, ?, ?, ?, ?, ?)", forged["actor"], fifth["action"], fifth["subject"], fifth["detail"],
           fifth["source"], fifth["previous_hash"], "0" * 64)
    result = cli(audited, "audit", "verify", check=False)
    assert result.returncode == 1 and "entry 5" in result.stderr


def past_records(template, days, per_day):
    """`per_day` records on each of `days` (YYYY-MM-DD), shaped like a real one."""
    records = []
    for day in days:
        for n in range(per_day):
            hour, minute = divmod(n * 37 % 1440, 60)
            records.append(dict(template, id=f"rec-{day}-{n}", request_id=f"req-{day}-{n}", output_tokens=n + 1,
                                time=f"{day}T{hour:02d}:{minute:02d}:00Z"))
    return records


def import_records(audited, records):
    path = audited["tmp"] / f"import-{time.monotonic_ns()}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return cli(audited, "ledger", "import", str(path))


def test_closed_days_are_sealed_and_a_changed_record_names_its_day(audited):
    key = json.loads(cli(audited, "keys", "create", "--tenant", "bank", "--json").stdout)
    answer = raw_request("POST", audited["gateway"].url + "/v1/chat/completions",
                         json.dumps({"model": "chat", "messages": [{"role": "user", "content": "hi"}]}).encode(),
                         {"authorization": f"Bearer {key['key']}", "content-type": "application/json"})
    assert answer.status_code == 200
    [template] = ledger_records(audited["routes"], lambda r: r["key_id"] == key["id"])
    days = ["2026-01-10", "2026-01-11", "2026-01-12"]
    assert "imported 150 records" in import_records(audited, past_records(template, days, 50)).stdout
    # Importing again stores nothing twice.
    import_records(audited, past_records(template, days, 50))

    sealed = cli(audited, "ledger", "seal").stdout.splitlines()
    assert sealed[0].startswith("sealed 2026-01-10: 50 records, ") and sealed[2].startswith("sealed 2026-01-12: 50 records")
    # Every closed day up to yesterday is sealed, the empty ones too (records added to one later show).
    assert sealed[3].startswith("sealed 2026-01-13: 0 records")
    assert cli(audited, "ledger", "seal").stdout.strip() == "no closed day left to seal"
    entries = trail(audited)
    seals = [e for e in entries if e["action"] == "ledger.sealed"]
    assert [e["subject"] for e in seals[:3]] == days and {e["actor"] for e in seals} == {"cli"}
    assert json.loads(seals[0]["detail"])["records"] == "50"
    [imported, _] = [e for e in entries if e["action"] == "ledger.imported"]
    assert json.loads(imported["detail"])["records"] == "150" and imported["actor"] == "cli"
    verified = cli(audited, "ledger", "verify").stdout.strip()
    assert verified == f"ledger matches its seals: {len(sealed)} sealed days"

    def broken():
        result = cli(audited, "ledger", "verify", check=False)
        assert result.returncode == 1
        return result.stderr

    tamper(audited, "UPDATE usage_attempts SET output_tokens = 999 WHERE id = 'rec-2026-01-11-7'")
    assert "2026-01-11: a record was edited after the seal" in broken()
    tamper(audited, "UPDATE usage_attempts SET output_tokens = 8 WHERE id = 'rec-2026-01-11-7'")
    assert cli(audited, "ledger", "verify").returncode == 0

    # A record arriving after its day was sealed (a journal replayed late) is named as added.
    import_records(audited, [dict(template, id="late-one", time="2026-01-12T23:59:59Z")])
    assert "2026-01-12: 51 records, 50 when sealed: 1 record(s) added after the seal" in broken()
    tamper(audited, "DELETE FROM usage_attempts WHERE id = 'late-one'")
    tamper(audited, "DELETE FROM usage_attempts WHERE id = 'rec-2026-01-10-3'")
    assert "2026-01-10: 49 records, 50 when sealed: 1 record(s) removed" in broken()
    import_records(audited, past_records(template, ["2026-01-10"], 50))
    assert cli(audited, "ledger", "verify").returncode == 0

    # A seal edited to match edited records still disagrees with the audit trail.
    tamper(audited, "UPDATE usage_seals SET hash = ? WHERE day = '2026-01-11'", "f" * 64)
    assert "2026-01-11: its seal differs from the one in the audit trail" in broken()


def test_an_unreadable_import_imports_nothing(audited):
    path = audited["tmp"] / "bad.jsonl"
    path.write_text('{"id": "x"}\n')
    result = cli(audited, "ledger", "import", str(path), check=False)
    assert result.returncode != 0 and "line 1 is not a usage record" in result.stderr and "nothing was imported" in result.stderr
