"""Browser tests of the Parallax console in a real headless Chromium (issue 4, item 10).

Starts the real `parallax` binary, logs data through the Galileo route, then drives Debian's
Chromium through chromedriver: log in, open the log stream, see the metadata columns and tag
chips, filter by typing a query, open the trace and find the trace's and the LLM span's
Parameters; script injection renders as text; a viewer gets 403 on admin pages; a bad query shows
the error inline. Screenshots of the main pages go to target/console-screenshots/.

Run through tests/console/run.sh. Prints one line per test and "N passed, N failed" at the end;
exits non-zero when a test failed.
"""

import json
import os
import re
import sys
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
import server as srv  # noqa: E402
from harness import run  # noqa: E402

VIEWER_EMAIL = "viewer@example.com"
VIEWER_PASSWORD = "viewer-password-1"
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# --- the tests, in order: they share one browser session ------------------------------------

@test
def root_redirects_to_the_login_page(c):
    c.go("/")
    c.wait("#email")
    assert "/console/login" in c.d.current_url, c.d.current_url
    c.shot("01-login")


@test
def wrong_password_is_refused(c):
    c.go("/console/login")
    c.wait("#email").send_keys(srv.ADMIN_EMAIL)
    c.d.find_element(By.ID, "password").send_keys("not the password")
    c.d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert "Wrong e-mail or password" in c.wait("p.notice.error").text


@test
def admin_logs_in_and_sees_projects_with_counts(c):
    c.login(srv.ADMIN_EMAIL, srv.ADMIN_PASSWORD)
    assert c.d.find_element(By.TAG_NAME, "h1").text == "Projects"
    body = c.d.find_element(By.TAG_NAME, "main").text
    assert "console-demo" in body and "default" in body, body
    row = c.d.find_element(By.XPATH, "//a[text()='default']/ancestor::tr").text
    # Three traces stored (the quarantined one is kept aside), 1 + 4 + 1 traces and spans.
    assert re.search(r"\b3\b", row), row
    c.shot("02-projects")


@test
def log_stream_shows_metadata_columns_and_tag_chips(c):
    c.d.find_element(By.LINK_TEXT, "default").click()
    c.wait("table.records")
    headers = c.texts("table.records thead th")
    for key in ["experimentNumber", "promptVersion", "field"]:
        assert any(h.startswith(key) for h in headers), headers
    chips = c.texts("table.records a.chip")
    for tag in srv.SEED_TAGS:
        assert tag in chips, chips
    cells = c.texts("table.records td.meta")
    assert "physics" in cells and "0.0.1" in cells, cells
    assert not c.csp_violations(), c.csp_violations()
    c.shot("03-log-stream")


@test
def typing_a_query_filters_and_the_url_keeps_it(c):
    q = c.wait("#q")
    q.clear()
    q.send_keys('tag:newton and metadata.field = "physics"')
    c.d.find_element(By.CSS_SELECTOR, "form.filter button[type=submit]").click()
    WebDriverWait(c.d, 10).until(lambda d: "q=" in d.current_url)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(c.d.current_url).query)
    assert query["q"] == ['tag:newton and metadata.field = "physics"'], query
    rows = c.all("table.records tbody tr")
    assert len(rows) == 1, [r.text for r in rows]
    assert c.ids["seed_trace"].replace("-", "")[:8] in rows[0].text, rows[0].text
    assert "1 traces match" in c.d.find_element(By.CSS_SELECTOR, ".count").text
    c.shot("04-filtered")


@test
def opening_the_trace_shows_its_parameters(c):
    c.d.find_element(By.CSS_SELECTOR, "table.records tbody tr td a").click()
    params = c.wait("#parameters")
    assert c.ids["seed_trace"] in c.d.current_url
    assert params.get_attribute("data-type") == "trace"
    assert "PARAMETERS" in params.text.upper()
    assert c.texts("#parameters a.chip") == srv.SEED_TAGS
    meta = dict(zip(c.texts("#parameters table.metadata th"), c.texts("#parameters table.metadata td.value")))
    assert meta == srv.SEED_META, meta
    tree = c.texts("ol.tree li")
    assert len(tree) == 2 and "llm" in tree[1], tree
    c.shot("05-trace")


@test
def selecting_the_llm_span_shows_its_parameters_and_messages(c):
    c.all("ol.tree li a")[1].click()
    WebDriverWait(c.d, 10).until(lambda d: "span=" in d.current_url)
    params = c.wait("#parameters")
    assert params.get_attribute("data-type") == "llm"
    assert params.get_attribute("data-record") == c.ids["seed_span"]
    assert c.texts("#parameters a.chip") == srv.SEED_TAGS
    meta = dict(zip(c.texts("#parameters table.metadata th"), c.texts("#parameters table.metadata td.value")))
    assert meta == srv.SEED_META, meta
    detail = c.d.find_element(By.CSS_SELECTOR, "article.detail").text
    assert "gpt-4o" in detail and "170" in detail, detail
    system = c.d.find_element(By.CSS_SELECTOR, ".msg.role-system").text
    assert "SYSTEM" in system.upper() and "prompt" in system, system
    assert "Model response" in c.d.find_element(By.CSS_SELECTOR, ".msg.role-assistant").text
    c.shot("06-llm-span")


@test
def retrieved_documents_and_tool_input_render_by_type(c):
    c.go(f"/console/projects/{c.ids['project']}/traces/{c.ids['other_trace']}")
    tree = c.wait("ol.tree")
    assert [e.text for e in tree.find_elements(By.CSS_SELECTOR, ".badge.type")] == ["trace", "retriever", "tool", "llm"]
    assert len(c.all("ol.tree rect.bar.err")) == 3  # the trace, the tool call and the LLM call failed
    c.all("ol.tree li a")[1].click()
    doc = c.wait("ol.documents li.document")
    assert "Benzene is an aromatic hydrocarbon." in doc.text and "wiki" in doc.text, doc.text
    c.all("ol.tree li a")[2].click()
    WebDriverWait(c.d, 10).until(lambda d: d.find_element(By.ID, "parameters").get_attribute("data-type") == "tool")
    pre = c.d.find_element(By.CSS_SELECTOR, "section.io pre.json").text
    assert '"expr": "6*7"' in pre, pre
    assert "500" in c.d.find_element(By.CSS_SELECTOR, "dl.metrics").text
    c.shot("07-tool-span")


@test
def clicking_a_tag_chip_adds_it_to_the_filter(c):
    c.go(c.stream_path())
    chip = [e for e in c.all("table.records a.chip") if e.text == "label_mismatch"][0]
    chip.click()
    WebDriverWait(c.d, 10).until(lambda d: "q=" in d.current_url)
    assert c.d.find_element(By.ID, "q").get_attribute("value") == "tag:label_mismatch"
    assert len(c.all("table.records tbody tr")) == 1
    cell = [e for e in c.all("table.records td.meta a") if e.text == "chemistry"][0]
    cell.click()
    WebDriverWait(c.d, 10).until(lambda d: "chemistry" in urllib.parse.unquote_plus(d.current_url))
    assert c.d.find_element(By.ID, "q").get_attribute("value") == "tag:label_mismatch and metadata.field = chemistry"


@test
def spans_view_sorts_by_a_metadata_column(c):
    c.go(c.stream_path())
    c.d.find_element(By.LINK_TEXT, "spans").click()
    WebDriverWait(c.d, 10).until(lambda d: "root=span" in d.current_url)
    headers = c.texts("table.records thead th")
    assert "Type" in headers and "Model" in headers and "Tokens" in headers, headers
    assert len(c.all("table.records tbody tr")) == 4
    c.d.find_element(By.XPATH, "//table[contains(@class,'records')]//th/a[starts-with(text(),'experimentNumber')]").click()
    WebDriverWait(c.d, 10).until(lambda d: "sort=metadata.experimentNumber" in d.current_url)
    col = [h.split(" ")[0] for h in c.texts("table.records thead th")].index("experimentNumber")
    values = [r.find_elements(By.TAG_NAME, "td")[col].text for r in c.all("table.records tbody tr")]
    assert values[:2] == ["2", "1"], values  # descending, records without the key last
    c.shot("08-spans-sorted")
    c.d.find_element(By.LINK_TEXT, "sessions").click()
    WebDriverWait(c.d, 10).until(lambda d: "root=session" in d.current_url)
    assert len(c.all("table.records tbody tr")) == 3


@test
def a_bad_query_shows_the_error_under_its_position(c):
    bad = "tag:newton and metadata.field = "
    c.go(c.stream_path() + "?" + urllib.parse.urlencode({"q": bad}))
    err = c.wait("#query-error")
    lines = err.find_element(By.TAG_NAME, "pre").text.split("\n")
    assert lines[0].rstrip() == bad.rstrip(), lines
    assert lines[1].index("^") == len(bad), (lines, len(bad))
    assert "expected a value" in err.text, err.text
    assert c.d.find_element(By.ID, "q").get_attribute("aria-invalid") == "true"
    c.d.find_element(By.ID, "q").send_keys("x and (")
    c.d.find_element(By.ID, "q").send_keys(Keys.ENTER)
    WebDriverWait(c.d, 10).until(lambda d: "x+and" in d.current_url or "x%20and" in d.current_url)
    assert c.wait("#query-error").text
    c.shot("09-query-error")


@test
def the_filter_bar_suggests_keys_and_values(c):
    c.go(c.stream_path())
    q = c.wait("#q")
    q.send_keys("metadata.prom")
    WebDriverWait(c.d, 10).until(lambda d: "promptVersion" in d.find_element(By.ID, "suggestions").text)
    q.send_keys(Keys.TAB)
    assert q.get_attribute("value") == "metadata.promptVersion = ", q.get_attribute("value")
    WebDriverWait(c.d, 10).until(lambda d: "0.0.1" in d.find_element(By.ID, "suggestions").text)
    c.shot("10-suggestions")
    status, _, text = c.server.request(
        "GET", f"/console/api/suggest?project={c.ids['project']}&stream={c.ids['stream']}&kind=tag&prefix=NEW-",
        cookie=c.cookie())
    assert status == 200 and [i["value"] for i in json.loads(text)["items"]] == ["new-version"], text


@test
def script_injection_renders_as_text(c):
    c.go(c.stream_path())
    c.wait("table.records")
    c.no_alert()
    assert srv.EVIL_TAG in c.texts("table.records a.chip")
    assert srv.EVIL_VALUE in c.texts("table.records td.meta")
    assert not c.all("img[src='x']") and not c.all("img[src='y']") and not c.all("main b")
    assert c.d.execute_script("return window.__xss === undefined")
    scripts = [s.get_attribute("src") for s in c.all("script")]
    assert all(s and s.startswith(c.server.url + "/console/assets/") for s in scripts), scripts
    c.shot("11-injection-stream")
    c.go(f"/console/projects/{c.ids['project']}/traces/{c.ids['evil_trace']}")
    c.wait("#parameters")
    c.no_alert()
    assert srv.EVIL_TAG in c.texts("#parameters a.chip")
    assert srv.EVIL_VALUE in c.texts("#parameters table.metadata td.value")
    assert "<img src=y onerror=alert(3)>" in c.d.find_element(By.CSS_SELECTOR, "section.io pre").text
    assert not c.all("img[src='x']") and not c.all("img[src='y']")
    assert c.d.execute_script("return window.__xss === undefined")
    # Clicking the hostile chip filters by it, quoted, and still runs nothing.
    c.all("#parameters a.chip")[0].click()
    c.wait("table.records")
    c.no_alert()
    assert c.d.find_element(By.ID, "q").get_attribute("value") == 'tag:"<img src=x onerror=alert(1)>"'
    assert len(c.all("table.records tbody tr")) == 1
    assert not c.csp_violations(), c.csp_violations()


@test
def group_by_a_metadata_key_draws_a_table_and_a_chart(c):
    c.go(c.stream_path() + "/group-by?by=metadata.field")
    c.wait("table.groups")
    groups = {r.find_elements(By.TAG_NAME, "td")[0].text: r.text for r in c.all("table.groups tbody tr")}
    assert {"physics", "chemistry", "security"} <= set(groups), groups
    assert "100%" in groups["chemistry"], groups  # the chemistry trace failed
    assert len(c.all("figure.chart svg g.row")) >= 3
    c.shot("12-group-by")
    c.go(c.stream_path() + "/group-by?by=tag")
    labels = c.texts("figure.chart svg text.label")
    assert any("<img" in label for label in labels), labels
    c.no_alert()


@test
def quarantine_lists_each_violation(c):
    c.go(c.stream_path() + "/quarantine")
    text = c.wait("article.quarantined").text
    assert "tag is 57 characters; the limit is 50" in text, text
    assert "traces[0].tags[0]" in text, text
    c.shot("13-quarantine")


@test
def export_follows_the_filter(c):
    q = urllib.parse.urlencode({"q": "tag:test"})
    status, headers, text = c.server.request("GET", c.stream_path() + f"/export?format=jsonl&{q}", cookie=c.cookie())
    assert status == 200, text
    lines = [json.loads(l) for l in text.splitlines()]
    assert len(lines) == 2 and all("test" in l["tags"] for l in lines), lines
    status, headers, text = c.server.request("GET", c.stream_path() + f"/export?format=csv&{q}&root=span", cookie=c.cookie())
    assert status == 200 and headers["Content-Type"].startswith("text/csv"), (status, headers)
    header = text.splitlines()[0].split(",")
    assert header[0] == "id" and "metadata.field" in header and "metadata.promptVersion" in header, header
    assert len(text.strip().splitlines()) == 1 + 1, text  # the seed's LLM span only


@test
def admin_creates_a_viewer_and_an_api_key(c):
    c.go("/console/admin/users")
    form = c.wait("form.stack")
    form.find_element(By.NAME, "email").send_keys(VIEWER_EMAIL)
    form.find_element(By.NAME, "password").send_keys(VIEWER_PASSWORD)
    form.find_element(By.CSS_SELECTOR, "select[name=role] option[value=viewer]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "Added viewer@example.com as viewer" in c.wait("p.notice.ok").text
    c.go("/console/admin/keys")
    form = c.wait("form.stack")
    form.find_element(By.NAME, "name").send_keys("ci key")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    key = c.wait("#new-key").text.strip()
    assert key.startswith("plx_"), key
    c.shot("14-admin-keys")
    status, _, text = c.server.request("GET", "/current_user", headers={"X-API-Key": key})
    assert status == 200, text
    # Revoking it from the console makes it stop working.
    row = c.d.find_element(By.XPATH, "//td[text()='ci key']/ancestor::tr")
    row.find_element(By.CSS_SELECTOR, "button.danger").click()
    c.wait("table.grid")
    status, _, _ = c.server.request("GET", "/current_user", headers={"X-API-Key": key})
    assert status == 401, status


@test
def forms_without_the_csrf_token_are_refused(c):
    status, _, _ = c.server.request("POST", "/console/admin/users", "email=a%40b.c&password=0123456789ab&role=admin&csrf=forged",
                                    cookie=c.cookie())
    assert status == 403, status
    status, _, _ = c.server.request("POST", "/console/logout", "csrf=forged", cookie=c.cookie())
    assert status == 403, status


@test
def security_headers_are_sent(c):
    status, headers, _ = c.server.request("GET", c.stream_path(), cookie=c.cookie())
    assert status == 200
    assert headers["Content-Security-Policy"].startswith("default-src 'self'"), headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    cookie_flags = c.d.get_cookie("parallax_session")
    assert cookie_flags["httpOnly"] and cookie_flags.get("sameSite") == "Lax", cookie_flags


@test
def a_viewer_gets_403_on_admin_pages(c):
    c.d.find_element(By.CSS_SELECTOR, "form.logout button").click()
    c.wait("#email")
    c.login(VIEWER_EMAIL, VIEWER_PASSWORD)
    assert "Users" not in c.texts("nav.top a")
    c.go("/console/admin/users")
    assert c.wait("h1").text == "Forbidden"
    c.shot("15-viewer-forbidden")
    for path in ["/console/admin/users", "/console/admin/keys"]:
        status, _, _ = c.server.request("GET", path, cookie=c.cookie())
        assert status == 403, (path, status)
    status, _, _ = c.server.request("GET", c.stream_path(), cookie=c.cookie())
    assert status == 200, status


if __name__ == "__main__":
    sys.exit(run(TESTS, srv.seed))
