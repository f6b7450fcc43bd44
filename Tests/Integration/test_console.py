"""The spend console in a real browser: Debian's headless Chromium driven by Selenium (chromium-driver).

The admin and a tenant sign in through the form; every page opens in English and Chinese (a screenshot of
each is saved under .artifacts/console/); the overview's and the spend page's figures equal
`switchyard spend --format json` for the same query, and the CSV download equals `switchyard spend --format csv`;
keys are created, changed and revoked through the forms and each change is in the audit trail; a tenant's
session never shows or changes another tenant's data, by URL or by an edited form; a form posted without its
CSRF token is refused; bad input gets a message on the page, never a 500."""
import json
import os
import shutil
import subprocess
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openai
import pytest

from conftest import BIN, REPO, admin_gateway, ledger_records, raw_request, stop_admin_gateway

ADMIN_KEY = "sy-admin-console-0123456789abcdefghijklmnop"
ARTIFACTS = Path(os.environ.get("SWITCHYARD_ARTIFACTS", REPO / ".artifacts")) / "console"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
PAGES = ["", "/spend", "/budgets", "/keys", "/requests", "/providers", "/routes", "/audit"]


@pytest.fixture(scope="module")
def console():
    assert CHROMIUM and CHROMEDRIVER, "the console tests need Debian's chromium and chromium-driver (.ci/setup installs them)"
    state = admin_gateway(
        "console", ADMIN_KEY,
        [{"name": "bank", "manage_keys": True, "budget": {"amount": 5, "currency": "USD", "period": "month"}}, {"name": "city"}],
        provider={"region": "eu-west", "retention": "none",
                  "models": [{"name": "alpha-model", "input_per_mtok": 1.5, "output_per_mtok": 4, "currency": "USD"}]})
    gateway, routes, tmp = state["gateway"], state["routes"], state["tmp"]
    state["bank"] = cli(state, "keys", "create", "--tenant", "bank", "--json", json_out=True)
    state["city"] = cli(state, "keys", "create", "--tenant", "city", "--json", json_out=True)
    for tenant, count in (("bank", 3), ("city", 2)):
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=state[tenant]["key"], max_retries=0)
        for n in range(count):
            client.chat.completions.create(model="chat", messages=[{"role": "user", "content": f"hello {n}"}], max_tokens=20)
    records = ledger_records(routes, count=5)
    # Earlier days too, so the charts and the day grouping have something to show.
    template = records[0]
    past = []
    for days_ago in (1, 2, 6):
        day = datetime.now(timezone.utc) - timedelta(days=days_ago)
        for n, tenant in enumerate(["bank", "bank", "city"]):
            past.append(dict(template, id=f"past-{days_ago}-{n}", request_id=f"req-past-{days_ago}-{n}", tenant=tenant,
                             key_id=state[tenant]["id"], time=day.strftime("%Y-%m-%dT10:0{}:00Z".format(n)),
                             output_tokens=100 * (n + 1), cost=0.001 * days_ago + 0.0001 * (n + 1),
                             reporting_cost=0.001 * days_ago + 0.0001 * (n + 1),
                             # A failed first attempt and its fallback, each day.
                             outcome="failed" if n == 1 else "completed", status=502 if n == 1 else 200,
                             attempt=2 if n == 2 else 1))
    (tmp / "past.jsonl").write_text("".join(json.dumps(r) + "\n" for r in past))
    cli(state, "ledger", "import", str(tmp / "past.jsonl"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield state
    stop_admin_gateway(state)


def cli(state, *args, json_out=False, check=True):
    result = subprocess.run([BIN, *args, "--routes", str(state["routes"])], capture_output=True, text=True,
                            cwd=state["tmp"], env=state["env"], check=check)
    return json.loads(result.stdout) if json_out else result


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,1000", "--lang=en-US"]:
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def by(kind, value):
    from selenium.webdriver.common.by import By
    return getattr(By, kind), value


def sign_in(driver, console, key):
    driver.get(console["url"] + "/console/sign-in")
    driver.find_element(*by("NAME", "key")).send_keys(key)
    driver.find_element(*by("ID", "sign-in")).click()
    from selenium.webdriver.support.ui import WebDriverWait
    # Signed in (the overview), or refused (the form again, with its message).
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/console") or d.find_elements(*by("ID", "problem")))
    return driver


def wait_for(driver, element_id):
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located(by("ID", element_id)))


def notice_becomes(driver, text):
    """Waits for the page a form led to (the one before may still be showing)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d):
        try:
            return d.find_element(*by("ID", "notice")).text == text
        except (NoSuchElementException, StaleElementReferenceException):
            return False
    WebDriverWait(driver, 10).until(shown)


def problem_becomes(driver, text):
    """The problem the page a script-submitted form led to says (the page before may still be showing)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def said(d):
        try:
            return problem(d) == text
        except StaleElementReferenceException:
            return False
    WebDriverWait(driver, 10).until(said)
    return True


def problem(driver):
    found = driver.find_elements(*by("ID", "problem"))
    return found[0].text if found else None


def shoot(driver, name):
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def table(driver, table_id):
    """Each row's cells' exact values (`data-value`)."""
    rows = driver.find_elements(*by("CSS_SELECTOR", f"#{table_id} tbody tr"))
    return [[cell.get_attribute("data-value") for cell in row.find_elements(*by("TAG_NAME", "td"))] for row in rows]


def session_request(console, driver, method, path, form=None, headers=None):
    """A plain HTTP call carrying the browser's session cookie (what an edited request would send)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    body = urllib.parse.urlencode(form).encode() if form is not None else None
    all_headers = {"cookie": cookie, **({"content-type": "application/x-www-form-urlencoded"} if body else {}), **(headers or {})}
    return raw_request(method, console["url"] + path, body, all_headers)


def csrf(driver):
    return driver.find_element(*by("CSS_SELECTOR", "input[name=csrf]")).get_attribute("value")


def month_start():
    return datetime.now(timezone.utc).strftime("%Y-%m-01")


def test_the_admin_opens_every_page_in_both_languages(console, browser):
    sign_in(browser, console, ADMIN_KEY)
    assert browser.current_url.endswith("/console")
    for language, heading in (("en", "Overview"), ("zh-Hans", "总览")):
        for page in PAGES:
            browser.get(console["url"] + f"/console{page}?lang={language}")
            assert problem(browser) is None, (page, problem(browser))
            assert browser.find_element(*by("TAG_NAME", "html")).get_attribute("lang") == language
            shoot(browser, f"admin-{language}{page.replace('/', '-') or '-overview'}")
        browser.get(console["url"] + "/console")  # the language is remembered (cookie)
        assert browser.find_element(*by("TAG_NAME", "h1")).text == heading
    # A request's story: every attempt of it, as the ledger has them.
    browser.get(console["url"] + "/console/requests?lang=en")
    link = browser.find_element(*by("CSS_SELECTOR", "#requests tbody tr a"))
    request_id = link.text
    link.click()
    wait_for(browser, "attempts")
    attempts = browser.find_elements(*by("CSS_SELECTOR", "#attempts tbody tr"))
    stored = ledger_records(console["routes"], lambda r: r["request_id"] == request_id)
    assert len(attempts) == len(stored) >= 1 and stored[0]["provider"] + "/" + stored[0]["model"] in attempts[0].text
    assert "USD" in browser.find_element(*by("TAG_NAME", "main")).text
    shoot(browser, "admin-en-request-detail")
    browser.get(console["url"] + "/console?lang=zh-Hans")
    # The Chinese pages are Chinese throughout the frame.
    nav = [link.text for link in browser.find_elements(*by("CSS_SELECTOR", "nav a"))]
    assert nav == ["总览", "费用", "预算", "密钥", "请求", "供应商", "路由", "审计"]
    browser.find_element(*by("ID", "language")).click()
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 10).until(lambda d: d.find_element(*by("TAG_NAME", "html")).get_attribute("lang") == "en")
    assert browser.find_element(*by("TAG_NAME", "h1")).text == "Overview"
    # The charts are drawn on the server: an SVG with a bar per day of the last 30.
    assert len(browser.find_elements(*by("CSS_SELECTOR", "#spend-by-day rect"))) == 30
    # A phone-width screen: the page still fits, the tables scroll inside their frame.
    browser.set_window_size(390, 844)
    for page in ["", "/spend", "/requests"]:
        browser.get(console["url"] + f"/console{page}")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        shoot(browser, f"phone{page.replace('/', '-') or '-overview'}")


def test_the_figures_equal_the_cli_and_the_csv_is_the_cli_s(console, browser):
    sign_in(browser, console, ADMIN_KEY)
    month = cli(console, "spend", "--by", "tenant", "--since", month_start(), "--format", "json", json_out=True)
    browser.get(console["url"] + "/console")
    shown = browser.find_element(*by("CSS_SELECTOR", "#spend-month .value")).get_attribute("data-value")
    total = sum(float(row["cost"]) for row in month)
    assert shown.endswith(" USD") and abs(float(shown.split()[0]) - total) < 1e-12
    assert int(browser.find_element(*by("CSS_SELECTOR", "#requests-month .value")).get_attribute("data-value")) == \
        sum(row["requests"] for row in month)
    # Failed attempts and fallbacks this month, as the records have them.
    records = [json.loads(line) for line in cli(console, "ledger", "export", "--since", month_start()).stdout.splitlines()]
    failed = sum(1 for r in records if r["outcome"] in ("failed", "interrupted"))
    assert failed > 0 or datetime.now(timezone.utc).day <= 2
    assert int(browser.find_element(*by("CSS_SELECTOR", "#error-rate .value")).get_attribute("data-value")) == failed
    assert int(browser.find_element(*by("CSS_SELECTOR", "#fallbacks .value")).get_attribute("data-value")) == \
        sum(1 for r in records if r["attempt"] > 1)

    # The budget's spent is the ledger's for its period, as the CLI reports it, on both pages.
    bank_month = sum(float(row["cost"]) for row in month if row["tenant"] == "bank")
    [overview_bank] = table(browser, "overview-budgets")
    assert abs(float(overview_bank[2]) - bank_month) < 1e-12
    browser.get(console["url"] + "/console/budgets")
    [bank] = table(browser, "budgets")
    assert abs(float(bank[4]) - bank_month) < 1e-12
    assert len(browser.find_elements(*by("CSS_SELECTOR", "svg.chart path"))) == 1  # its burn-down

    since = (datetime.now(timezone.utc) - timedelta(days=10)).strftime("%Y-%m-%d")
    query = {"by": "tenant,day", "since": since}
    browser.get(console["url"] + "/console/spend?" + urllib.parse.urlencode(query))
    rows = table(browser, "spend")
    expected = cli(console, "spend", "--by", "tenant,day", "--since", since, "--format", "json", json_out=True)
    assert len(rows) == len(expected) >= 4
    for row, want in zip(rows, expected):
        assert row[:2] == [want["tenant"], want["day"]]
        # The console's columns follow the report's: groups, requests, each summed field, cost.
        assert int(row[2]) == want["requests"] and int(row[list(want).index("output_tokens")]) == want["output_tokens"]
        assert row[-1] == f"{want['cost']} {want['currency']}"
    shoot(browser, "spend-by-tenant-day")
    # The download link is the same query: its file is what the CLI prints.
    href = browser.find_element(*by("ID", "download-csv")).get_attribute("href")
    download = session_request(console, browser, "GET", urllib.parse.urlparse(href).path + "?" + urllib.parse.urlparse(href).query)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    printed = cli(console, "spend", "--by", "tenant,day", "--since", since, "--format", "csv").stdout
    assert download.body.decode() == printed


def test_keys_are_created_changed_and_revoked_through_the_forms(console, browser):
    sign_in(browser, console, ADMIN_KEY)
    browser.get(console["url"] + "/console/keys")
    form = browser.find_element(*by("ID", "create-key"))
    from selenium.webdriver.support.ui import Select
    Select(form.find_element(*by("NAME", "tenant"))).select_by_visible_text("city")
    form.find_element(*by("NAME", "budget")).send_keys("3USD/day")
    form.find_element(*by("NAME", "rpm")).send_keys("120")
    form.find_element(*by("CSS_SELECTOR", "button[type=submit]")).click()
    key = wait_for(browser, "new-key").text
    assert key.startswith("sy-")
    shoot(browser, "key-created")
    row = browser.find_element(*by("CSS_SELECTOR", "#keys tbody tr:last-child"))
    key_id = row.get_attribute("id").removeprefix("key-")
    assert "city" in row.text and "3 USD/day" in row.text
    answer = openai.OpenAI(base_url=console["url"] + "/v1", api_key=key, max_retries=0).chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], max_tokens=5)
    assert answer.choices[0].message.content
    # Reloading the page doesn't show the key again.
    browser.get(console["url"] + "/console/keys")
    assert not browser.find_elements(*by("ID", "new-key")) and key not in browser.page_source

    # Change its budget and routes.
    row = browser.find_element(*by("ID", f"key-{key_id}"))
    budget = row.find_element(*by("NAME", "budget"))
    budget.clear()
    budget.send_keys("4USD/day")
    row.find_element(*by("NAME", "allowed_routes")).send_keys("chat")
    row.find_element(*by("XPATH", ".//form[contains(@action, '/console/keys/') and not(contains(@action, 'revoke'))]//button")).click()
    notice_becomes(browser, "Key changed.")
    assert "4 USD/day" in browser.find_element(*by("ID", f"key-{key_id}")).text

    # Revoke it: the key stops working at once on this gateway.
    browser.find_element(*by("ID", f"key-{key_id}")).find_element(*by("XPATH", ".//form[contains(@action, 'revoke')]//button")).click()
    notice_becomes(browser, "Key revoked.")
    assert not browser.find_elements(*by("ID", f"key-{key_id}"))
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=console["url"] + "/v1", api_key=key, max_retries=0).chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "hi"}], max_tokens=5)

    trail = [json.loads(line) for line in cli(console, "audit", "log", "--limit", "100000").stdout.splitlines()]
    mine = [(e["actor"], e["action"]) for e in trail if e["subject"] == key_id]
    assert mine == [("admin", "key.created"), ("admin", "budget.set"), ("admin", "key.changed"), ("admin", "key.revoked")]
    assert all(e["source"] == "127.0.0.1" for e in trail if e["subject"] == key_id)
    budget_set = next(e for e in trail if e["subject"] == key_id and e["action"] == "budget.set")
    assert json.loads(budget_set["detail"]) == {"tenant": "city", "budget": "4 USD/day", "previous": "3 USD/day"}
    assert key not in json.dumps(trail)


def test_a_tenant_session_sees_and_changes_only_its_own_tenant(console, browser):
    sign_in(browser, console, console["bank"]["key"])
    assert "bank" in browser.find_element(*by("ID", "who")).text
    nav = [link.text for link in browser.find_elements(*by("CSS_SELECTOR", "nav a"))]
    assert "Audit" not in nav
    for page in PAGES[:-1]:
        browser.get(console["url"] + f"/console{page}")
        assert problem(browser) is None, (page, problem(browser))
        assert "city" not in browser.find_element(*by("TAG_NAME", "main")).text, page
        shoot(browser, f"tenant{page.replace('/', '-') or '-overview'}")
    # Its spend is its own: equal to the CLI's for tenant bank.
    browser.get(console["url"] + f"/console/spend?by=tenant&since={month_start()}")
    expected = cli(console, "spend", "--by", "tenant", "--tenant", "bank", "--since", month_start(), "--format", "json", json_out=True)
    assert [row[-1] for row in table(browser, "spend")] == [f"{row['cost']} {row['currency']}" for row in expected]

    # Edited URLs: another tenant's pages and exports are refused, never shown.
    for path in ["/console?tenant=city", "/console/spend?tenant=city", "/console/spend?tenant=city&format=csv",
                 "/console/requests?tenant=city", "/console/budgets?tenant=city", "/console/audit"]:
        browser.get(console["url"] + path)
        assert browser.find_element(*by("TAG_NAME", "h1")).text == "Error" and problem(browser), path
    # A key filter naming another tenant's key finds nothing (the tenant still bounds the query).
    browser.get(console["url"] + f"/console/spend?key={console['city']['id']}&by=key&since=2020-01-01")
    assert table(browser, "spend") == []
    # Another tenant's request detail is "no such page".
    city_record = ledger_records(console["routes"], lambda r: r["tenant"] == "city")[0]
    browser.get(console["url"] + f"/console/requests/{city_record['request_id']}?time={city_record['time']}")
    assert problem(browser) == "There is no such page."

    # Edited forms: revoking or changing city's key, or creating a key for city, is refused.
    browser.get(console["url"] + "/console/keys")
    token = csrf(browser)
    revoke = session_request(console, browser, "POST", f"/console/keys/{console['city']['id']}/revoke", {"csrf": token})
    change = session_request(console, browser, "POST", f"/console/keys/{console['city']['id']}", {"csrf": token, "rpm": "1"})
    create = session_request(console, browser, "POST", "/console/keys", {"csrf": token, "tenant": "city"})
    assert (revoke.status_code, change.status_code, create.status_code) == (404, 404, 403)
    # The browser's own form, its hidden field edited, is refused the same way.
    browser.execute_script(
        "const f = document.getElementById('create-key'); const t = document.createElement('input');"
        "t.type = 'hidden'; t.name = 'tenant'; t.value = 'city'; f.appendChild(t); f.submit();")
    assert problem_becomes(browser, "A tenant's session sees only its own tenant.")
    city_keys = [k for k in cli(console, "keys", "list", "--json", json_out=True) if k["tenant"] == "city"]
    assert console["city"]["id"] in [k["id"] for k in city_keys if k["revoked_at"] is None]
    assert all(k["rpm"] is None for k in city_keys if k["id"] == console["city"]["id"])

    # Its own keys it may manage (manage_keys: true): one created here is bank's.
    browser.get(console["url"] + "/console/keys")
    browser.find_element(*by("CSS_SELECTOR", "#create-key button")).click()
    made = wait_for(browser, "new-key").text
    assert [k["tenant"] for k in cli(console, "keys", "list", "--json", json_out=True) if made.startswith("sy-" + k["id"].removeprefix("key_") + "-")] == ["bank"]


def test_forms_without_their_csrf_token_are_refused(console, browser):
    sign_in(browser, console, ADMIN_KEY)
    browser.get(console["url"] + "/console/keys")
    # The form with its token removed, as another site's page would post it.
    browser.execute_script(
        "const f = document.getElementById('create-key'); f.querySelector('input[name=csrf]').remove(); f.submit();")
    assert problem_becomes(browser, "This form was stale or not sent by the console; reload the page and try again.")
    for form in ({}, {"csrf": "0" * 64}):
        answer = session_request(console, browser, "POST", f"/console/keys/{console['city']['id']}/revoke", form)
        assert answer.status_code == 403
    assert console["city"]["id"] in [k["id"] for k in cli(console, "keys", "list", "--json", json_out=True) if k["revoked_at"] is None]
    # Sign-in takes its own token too (another site can't sign a browser in to its session).
    forged = raw_request("POST", console["url"] + "/console/sign-in", urllib.parse.urlencode({"key": ADMIN_KEY}).encode(),
                         {"content-type": "application/x-www-form-urlencoded"})
    assert forged.status_code == 403 and "sy_session" not in forged.headers.get("set-cookie", "")


def test_sign_in_failures_sessions_and_bad_input_get_messages_not_500s(console, browser):
    sign_in(browser, console, "sy-key_nothing-wrongwrongwrong")
    assert problem(browser) == "That key is wrong or revoked."
    # A revoked key can't sign in.
    revoked = cli(console, "keys", "create", "--tenant", "city", "--json", json_out=True)
    cli(console, "keys", "revoke", revoked["id"])
    time.sleep(2.5)  # the gateway's key refresh
    sign_in(browser, console, revoked["key"])
    assert problem(browser) == "That key is wrong or revoked."
    # No session: to sign-in. A forged or ended one: to sign-in, with a message.
    browser.delete_all_cookies()
    browser.get(console["url"] + "/console/spend")
    assert browser.current_url.endswith("/console/sign-in") and problem(browser) is None
    browser.add_cookie({"name": "sy_session", "value": "f" * 64, "path": "/console"})
    browser.get(console["url"] + "/console/keys")
    assert browser.current_url.endswith("/console/sign-in?ended=1") and problem(browser) == "Your session ended; sign in again."

    sign_in(browser, console, ADMIN_KEY)
    cookie = browser.get_cookie("sy_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console" and not cookie["secure"]
    bad = {
        "/console/spend?since=last-week": "since 'last-week' is not a date",
        "/console/spend?by=colour": "unknown --by field 'colour'",
        "/console/spend?since=2026-02-01&until=2026-01-01": "is before since",
        "/console/audit?page=99999999999999999999": "page",
        "/console/audit?page=9999999": "That page number is out of range.",
        "/console/requests?before=yesterday": "before must be a time",
        "/console/routes?model=no-such-model": "no route",
        "/console/routes?model=chat&max_tokens=-4": "max_tokens must be",
        "/console/no/such/page": "There is no such page.",
    }
    for path, message in bad.items():
        answer = session_request(console, browser, "GET", path)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
        browser.get(console["url"] + path)
        assert message in (problem(browser) or ""), (path, problem(browser))

    # Sign-out ends the session server-side: the old cookie no longer opens a page.
    old = browser.get_cookie("sy_session")["value"]
    browser.get(console["url"] + "/console")
    browser.find_element(*by("ID", "sign-out")).click()
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 10).until(lambda d: "/console/sign-in" in d.current_url)
    replay = raw_request("GET", console["url"] + "/console", headers={"cookie": f"sy_session={old}"})  # redirects followed
    assert 'name="key"' in replay.body.decode() and "Your session ended" in replay.body.decode()

    sign_in(browser, console, console["bank"]["key"])
    trail = [json.loads(line) for line in cli(console, "audit", "log", "--limit", "100000").stdout.splitlines()]
    sessions = [(e["actor"], e["action"]) for e in trail if e["action"].startswith("console.")]
    assert ("admin", "console.sign_in") in sessions and ("admin", "console.sign_out") in sessions
    assert (console["bank"]["id"], "console.sign_in") in sessions
    assert ADMIN_KEY not in json.dumps(trail)
    assert cli(console, "audit", "verify").returncode == 0


def test_failed_sign_ins_are_throttled_and_secure_behind_tls(console):
    url = console["url"] + "/console/sign-in"
    form = raw_request("GET", url)
    token = form.headers["set-cookie"].split("sy_sign_in=")[1].split(";")[0]
    codes = []
    for _ in range(25):
        answer = raw_request("POST", url, urllib.parse.urlencode({"csrf": token, "key": "sy-wrong-guess"}).encode(),
                             {"content-type": "application/x-www-form-urlencoded", "cookie": f"sy_sign_in={token}"})
        codes.append(answer.status_code)
    assert codes[0] == 401 and codes[-1] == 429 and "Too many failed sign-ins" in answer.body.decode()
    # The API's keys share the allowance: this address is throttled there too.
    assert raw_request("GET", console["url"] + "/v1/models", headers={"authorization": "Bearer sy-wrong"}).status_code == 429
    time.sleep(3)
    behind_tls = raw_request("GET", url, headers={"x-forwarded-proto": "https"})
    assert "Secure" in behind_tls.headers["set-cookie"] and "HttpOnly" in behind_tls.headers["set-cookie"]


def test_accept_language_picks_chinese(console):
    page = raw_request("GET", console["url"] + "/console/sign-in", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
    html = page.body.decode()
    assert '<html lang="zh-Hans">' in html and "登录" in html
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
