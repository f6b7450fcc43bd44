"""One gateway before three mock providers, one per dialect (routes `oa`, `claude`, `gem`,
`strict-claude` whose provider refuses what it can't carry, `instruct` on a provider that declares the
legacy completions endpoint, `native` on one that declares the Responses API, `think` on a reasoning model, and `claude-or-instruct`,
`claude-or-native`), for tests that drive the real SDKs
through every dialect direction and check both ends."""
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request

MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash"}
SUFFIX = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta"}
ROUTE = {"openai": "oa", "anthropic": "claude", "gemini": "gem"}


class FidelityStack:
    def __init__(self):
        self.mocks = {dialect: mock_provider(f"{dialect}-mock", "--dialect", dialect, "--output-tokens", "6")
                      for dialect in MODELS}
        self.tmp = Path(tempfile.mkdtemp(prefix="switchyard-fidelity-"))
        routes = self.tmp / "Routes"
        routes.mkdir()
        price = {"input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}
        # Claude and Gemini reason (a reasoning effort reaches them); gpt-4o-mini declares nothing.
        thinks = {"capabilities": ["tools", "json", "vision", "reasoning", "streaming"]}
        providers = [
            {"name": f"{dialect}-up", "dialect": dialect, "base_url": self.mocks[dialect].url + SUFFIX[dialect],
             "api_key": "env:UP_KEY", "retention": "none",
             "models": [dict(name=model, **price, **(thinks if dialect != "openai" else {}))]}
            for dialect, model in MODELS.items()
        ]
        providers.append({"name": "strict-up", "dialect": "anthropic", "base_url": self.mocks["anthropic"].url,
                          "api_key": "env:UP_KEY", "unsupported_parameters": "reject",
                          "models": [dict(name="strict-claude", upstream=MODELS["anthropic"], **price)]})
        providers.append({"name": "completions-up", "dialect": "openai", "base_url": self.mocks["openai"].url + "/v1",
                          "api_key": "env:UP_KEY", "completions": True,
                          "models": [dict(name="instruct", upstream="gpt-3.5-turbo-instruct", **price)]})
        providers.append({"name": "small-up", "dialect": "openai", "base_url": self.mocks["openai"].url + "/v1",
                          "api_key": "env:UP_KEY", "models": [dict(name="small", context=400, **price)]})
        providers.append({"name": "thinker-up", "dialect": "openai", "base_url": self.mocks["openai"].url + "/v1",
                          "api_key": "env:UP_KEY", "models": [dict(name="o4-mini", **price, **thinks)]})
        providers.append({"name": "responses-up", "dialect": "openai", "base_url": self.mocks["openai"].url + "/v1",
                          "api_key": "env:UP_KEY", "responses": True,
                          "models": [dict(name="native", upstream="gpt-4.1", **price)]})
        config = {
            "ledger": f"sqlite:{self.tmp / 'ledger.db'}",
            "providers": providers,
            "routes": [{"name": ROUTE[d], "targets": [f"{d}-up/{m}"]} for d, m in MODELS.items()]
            + [{"name": "strict-claude", "targets": ["strict-up/strict-claude"]},
               {"name": "instruct", "targets": ["completions-up/instruct"]},
               {"name": "claude-or-instruct", "targets": [f"anthropic-up/{MODELS['anthropic']}", "completions-up/instruct"]},
               {"name": "native", "targets": ["responses-up/native"]},
               {"name": "small", "targets": ["small-up/small"]},
               {"name": "think", "targets": ["thinker-up/o4-mini"]},
               {"name": "claude-or-native", "targets": [f"anthropic-up/{MODELS['anthropic']}", "responses-up/native"]}],
            "tenants": [{"name": "demo"}, {"name": "other"}, {"name": "sealed", "policy": "keep-nothing"}],
            "policies": [{"name": "keep-nothing", "retention": "none"}],
        }
        (routes / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        self.routes = routes
        self.key = create_key(routes)["key"]
        self.keys = {tenant: create_key(routes, tenant)["key"] for tenant in ("other", "sealed")}
        self.start()

    def start(self):
        self.gateway = Process([BIN, "serve", "--routes", str(self.routes), "--port", "0", "--offline", "off"], cwd=self.tmp,
                               env=dict(os.environ, UP_KEY="sk-up-secret"))
        time.sleep(0.1)

    def restart(self):
        self.gateway.stop()
        self.start()

    @property
    def url(self):
        return self.gateway.url

    def reset(self):
        for mock in self.mocks.values():
            raw_request("DELETE", mock.url + "/mock/requests")

    def received(self, dialect):
        """The last request the `dialect` mock received: body (parsed) and headers."""
        last = self.last_request(dialect)
        return json.loads(last["body"]), last["headers"]

    def last_request(self, dialect):
        """The `dialect` mock's last log entry: path, body (text) and headers."""
        log = json.loads(raw_request("GET", self.mocks[dialect].url + "/mock/requests").body)
        assert log["requests"], f"the {dialect} mock received nothing"
        return log["requests"][-1]

    def stop(self):
        self.gateway.stop()
        for mock in self.mocks.values():
            mock.stop()


@pytest.fixture(scope="module")
def stack():
    """A FidelityStack for the test module (import this fixture to use it)."""
    running = FidelityStack()
    yield running
    running.stop()
