"""Process fixtures: the real `switchyard` binary and its mock providers, on loopback ports."""
import json
import os
import re
import subprocess
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml

BIN = os.environ.get("SWITCHYARD_BIN", str(Path(__file__).resolve().parents[2] / ".build/debug/switchyard"))
REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://[\d.]+:\d+)")

# The PostgreSQL server Tests/all.sh starts (Tests/postgres.sh), when there is one.
POSTGRES = os.environ.get("SWITCHYARD_TEST_POSTGRES")
POSTGRES_BIN = Path(os.environ.get("SWITCHYARD_TEST_POSTGRES_BIN", "/usr/bin"))
needs_postgres = pytest.mark.skipif(POSTGRES is None, reason="needs SWITCHYARD_TEST_POSTGRES (Tests/all.sh starts a server)")


def pytest_report_header(config):
    from openapi_contract import SPEC, published_spec_available

    if published_spec_available():
        return f"OpenAI contract: the project's schemas and the published description ({SPEC})"
    return ("OpenAI contract: SKIPPING OpenAI's published description (not found at ../shared/contracts/); "
            "shapes are checked against the project's own schemas only (Tests/Integration/contracts/)")


def pytest_terminal_summary(terminalreporter):
    from openapi_contract import published_spec_available

    if not published_spec_available():
        terminalreporter.write_line(
            "NOTE: OpenAI's published OpenAPI description was not beside the repository; contract checks used "
            "the project's own schemas only.", yellow=True, bold=True)


@pytest.fixture(scope="module")
def database():
    """A database of its own on the test server; its URL."""
    import uuid

    name = "it_" + uuid.uuid4().hex
    psql("postgres", f"CREATE DATABASE {name}")
    yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    psql("postgres", f"DROP DATABASE {name} WITH (FORCE)", check=False)


def psql(database_url, sql, check=True):
    """Runs `sql` (a URL, or a database name on the test server); returns the rows' text, tab-separated."""
    url = database_url if "://" in database_url else POSTGRES.rsplit("/", 1)[0] + "/" + database_url
    result = subprocess.run([str(POSTGRES_BIN / "psql"), "-qtA", "-F", "\t", url, "-c", sql], capture_output=True, text=True,
                            check=check)
    return result.stdout.strip()


def postgres_server(action):
    """Stops (`stop`, fast: connections cut) or starts (`start`) the test server — an outage on demand."""
    data = Path(os.environ["SWITCHYARD_TEST_POSTGRES_DIR"]) / "data"
    command = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
    command += ["-m", "fast", "stop"] if action == "stop" else ["-l", str(data.parent / "server.log"), "start"]
    if os.geteuid() == 0:  # the server runs as the postgres user (Tests/postgres.sh)
        command = ["runuser", "-u", "postgres", "--"] + command
    subprocess.run(command, check=True, capture_output=True)


class Process:
    """A child process whose stdout/stderr are captured; `url` is parsed from its 'listening on' line."""

    def __init__(self, args, cwd=None, env=None, timeout=60):
        self.args = args
        self.output = []
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        found = threading.Event()
        self.url = None

        def pump():
            for line in self.proc.stdout:
                self.output.append(line)
                match = LISTENING.search(line)
                if match and self.url is None:
                    self.url = match.group(1)
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(timeout) or self.url is None:
            self.stop()
            raise RuntimeError(f"{args[1]} did not start:\n{''.join(self.output)}")

    @property
    def log(self):
        return "".join(self.output)

    def stop(self):
        """SIGTERM, then wait; returns the exit code (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def mock_provider(name, *flags):
    return Process([BIN, "mock-provider", "--port", "0", "--name", name, *flags])


def write_routes(directory: Path, providers, routes, tenants=("demo",)):
    """A Routes/ directory for the given mocks: each provider keyed by an env variable."""
    config = {
        "ledger": f"sqlite:{directory / 'ledger.db'}",
        "providers": [
            {
                "name": name,
                "dialect": "openai",
                "base_url": url + "/v1",
                "api_key": f"env:{name.upper()}_KEY",
                "region": region,
                "read_timeout_ms": 3000,
                "models": [
                    {"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}
                ],
            }
            for name, url, region in providers
        ],
        "routes": routes,
        "tenants": [{"name": tenant} for tenant in tenants],
    }
    routes_dir = directory / "Routes"
    routes_dir.mkdir(parents=True, exist_ok=True)
    (routes_dir / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return routes_dir


class RawResponse:
    def __init__(self, status, headers, body):
        self.status_code = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self):
        return json.loads(self.body)


def raw_request(method, url, body=None, headers=None, timeout=30):
    """A plain HTTP call (stdlib only), for what an SDK would refuse to send."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return RawResponse(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return RawResponse(error.code, dict(error.headers), error.read())


def ledger_records(routes_dir, where=lambda record: True, count=1, timeout=10):
    """The ledger's records matching `where`, once there are at least `count` (the gateway commits in batches)."""
    import json
    import subprocess
    import time
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run([BIN, "ledger", "export", "--routes", str(routes_dir)], capture_output=True, text=True,
                                check=True, cwd=routes_dir.parent)
        records = [r for r in map(json.loads, result.stdout.splitlines()) if where(r)]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


def create_key(routes_dir, tenant="demo"):
    result = subprocess.run(
        [BIN, "keys", "create", "--tenant", tenant, "--routes", str(routes_dir), "--json"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


class Stack:
    def __init__(self, gateway, mocks, key, routes_dir):
        self.gateway = gateway
        self.mocks = mocks
        self.key = key
        self.routes_dir = routes_dir

    @property
    def base_url(self):
        return self.gateway.url + "/v1"

    def received(self, mock):
        import urllib.request

        with urllib.request.urlopen(self.mocks[mock].url + "/mock/requests") as response:
            return json.load(response)


@pytest.fixture(scope="session")
def stack():
    """Two mocks (alpha answers; broken always fails) behind one gateway, with a real key."""
    alpha = mock_provider("alpha", "--output-tokens", "12")
    broken = mock_provider("broken", "--fail-rate", "1")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-it-"))
    routes_dir = write_routes(
        tmp,
        [("alpha", alpha.url, "us"), ("broken", broken.url, "cn")],
        [
            {"name": "chat", "targets": ["alpha/alpha-model"]},
            {"name": "resilient", "targets": ["broken/broken-model", "alpha/alpha-model"]},
        ],
    )
    key = create_key(routes_dir)
    env = dict(os.environ, ALPHA_KEY="sk-alpha-secret", BROKEN_KEY="sk-broken-secret")
    gateway = Process([BIN, "serve", "--routes", str(routes_dir), "--port", "0", "--offline", "off"], cwd=tmp, env=env)
    time.sleep(0.1)
    yield Stack(gateway, {"alpha": alpha, "broken": broken}, key, routes_dir)
    for process in (gateway, alpha, broken):
        process.stop()


def admin_gateway(prefix, admin_key, tenants, *serve_args, provider=None):
    """A gateway on its own SQLite ledger with an admin key, one mock provider `alpha` behind route `chat`, and
    `tenants`: the state tests share (`gateway`, `mock`, `routes`, `tmp`, `env`, `config`, `db`, `url`).
    Stop it with `stop_admin_gateway`."""
    mock = mock_provider("alpha")
    tmp = Path(tempfile.mkdtemp(prefix=f"switchyard-{prefix}-"))
    routes = tmp / "Routes"
    routes.mkdir()
    config = {
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "admin_key": "env:TEST_ADMIN_KEY",
        "providers": [{"name": "alpha", "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
                       "models": [{"name": "alpha-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}],
                       **(provider or {})}],
        "routes": [{"name": "chat", "targets": ["alpha/alpha-model"]}],
        "tenants": list(tenants),
    }
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = dict(os.environ, TEST_ADMIN_KEY=admin_key, MOCK_KEY="sk-mock")
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off", *serve_args], cwd=tmp, env=env)
    return {"gateway": gateway, "mock": mock, "routes": routes, "tmp": tmp, "env": env, "config": config,
            "db": tmp / "ledger.db", "url": gateway.url}


def stop_admin_gateway(state):
    state["gateway"].stop()
    state["mock"].stop()
