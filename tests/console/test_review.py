"""Browser tests of human review in the console (issue 5, item 4 and the console side of 5 and 6),
in a real headless Chromium against the real `parallax` binary.

The issue's "done means", step by step: a reviewer filters
`metadata.promptVersion = "0.0.3" and not tag:reviewed`, selects all matching, sees
"1,204 records will be tagged", applies `label_mismatch` + `reviewed`, waits for the job, finds the
records with `tag:label_mismatch`, sees who tagged one and when, undoes the job, and the first
filter counts 1,204 again. Then inline annotation with history and undo on one trace, the
registries (case and key warnings, descriptions, colours, a merge), keyboard review (j/k and a
number key), PII warnings and policy, and the viewer: no edit controls, and 403 from every review
POST even with a valid CSRF token.

Run through tests/console/run.sh. Screenshots: target/console-screenshots/2x-….
"""

import json
import os
import re
import sys
import urllib.parse
import uuid

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(__file__))
import server as srv  # noqa: E402
from harness import run  # noqa: E402

REVIEWER = ("reviewer@example.com", "reviewer-password-1")
VIEWER = ("viewer@example.com", "viewer-password-1")
MATCHING = 1204
FIRST_FILTER = 'metadata.promptVersion = "0.0.3" and not tag:reviewed'
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# --- data ------------------------------------------------------------------------------------

def trace(tags, meta, name="", offset_ms=0, extra=None):
    t = {
        "type": "trace", "id": str(uuid.uuid4()), "name": name, "input": "Explain Newton's First Law",
        "output": "An object at rest stays at rest.", "created_at": srv.now_iso(offset_ms),
        "user_metadata": meta, "tags": tags, "status_code": None, "metrics": {"duration_ns": 1_000_000_000},
        "external_id": None, "session_id": None, "trace_id": None, "parent_id": None, "spans": [],
    }
    t.update(extra or {})
    return t


def ingest(server, project, stream, traces, batch=250):
    for i in range(0, len(traces), batch):
        body = {"log_stream_id": stream, "logging_method": "api_direct", "reliable": False,
                "is_complete": True, "traces": traces[i:i + batch]}
        server.api("POST", f"/v2/projects/{project}/traces", body)


def seed(server):
    project = server.api("POST", "/projects", {"name": "review-demo", "type": "gen_ai"})["id"]
    stream = server.api("POST", f"/projects/{project}/log_streams", {"name": "default"})["id"]
    traces = []
    # The slice under review: 1,204 records of prompt 0.0.3 not reviewed yet, 30 already reviewed.
    for i in range(MATCHING):
        traces.append(trace(["newton"], {"promptVersion": "0.0.3", "user_id": f"u{i % 50}"}, offset_ms=-i))
    for i in range(30):
        traces.append(trace(["newton", "reviewed"], {"promptVersion": "0.0.3", "user_id": "u1"}, offset_ms=-2000 - i))
    # Another prompt version for keyboard review; tags that differ only by case; a near-duplicate key.
    for i in range(40):
        tag = "Physics" if i < 3 else "physics"
        traces.append(trace([tag], {"promptVersion": "0.0.2", "userId": "u2"}, name=f"question {i}", offset_ms=-3000 - i * 10))
    # A record whose metadata holds an e-mail address, flagged the way the ingest layer flags it.
    pii = trace(["support"], {"promptVersion": "0.0.4", "contact": "ana@example.com"}, name="pii record", offset_ms=-5000,
                extra={"pii": [{"path": "metadata.contact", "kind": "email"}]})
    # The record annotated inline.
    target = trace(["newton", "draft"], {"promptVersion": "0.0.5", "field": "physics"}, name="inline target", offset_ms=-6000)
    traces += [pii, target]
    ingest(server, project, stream, traces)
    return {"project": project, "stream": stream, "pii_trace": pii["id"], "target": target["id"]}


# --- helpers ---------------------------------------------------------------------------------

def filter_stream(c, q):
    c.go(c.stream_path() + "?" + urllib.parse.urlencode({"q": q}))
    return c.wait("table.records, p.empty")


def count_text(c):
    return c.one(".count").text


def trace_path(c, trace_id):
    return f"/console/projects/{c.ids['project']}/traces/{trace_id}"


def tag_item(c, tag):
    items = [e for e in c.all("#parameters .tag-item") if e.find_elements(By.CSS_SELECTOR, ".chip")
             and e.find_element(By.CSS_SELECTOR, ".chip").text == tag]
    assert items, c.texts("#parameters .tag-item")
    return items[0]


def press(c, key):
    ActionChains(c.d).send_keys(key).perform()


def csrf(c):
    return c.one("form.logout input[name=csrf]").get_attribute("value")


def wait_job_done(c, timeout=60):
    c.until(lambda: c.one("#job-state").text == "done", timeout)


def chips(c):
    return c.texts("#parameters a.chip")


# --- the tests, in order ---------------------------------------------------------------------

@test
def admin_adds_a_reviewer_and_a_viewer(c):
    c.login(srv.ADMIN_EMAIL, srv.ADMIN_PASSWORD)
    for (email, password), role in [(REVIEWER, "annotator"), (VIEWER, "viewer")]:
        c.go("/console/admin/users")
        form = c.wait("form.stack")
        form.find_element(By.NAME, "email").send_keys(email)
        form.find_element(By.NAME, "password").send_keys(password)
        Select(form.find_element(By.NAME, "role")).select_by_value(role)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert f"Added {email} as {role}" in c.wait("p.notice.ok").text


@test
def reviewer_previews_tagging_all_records_matching_the_filter(c):
    c.login(*REVIEWER)
    c.go(c.stream_path())
    q = c.wait("#q")
    q.send_keys(FIRST_FILTER)
    c.one("form.filter button[type=submit]").click()
    c.until(lambda: "q=" in c.d.current_url)
    assert count_text(c) == f"{MATCHING:,} traces match", count_text(c)
    assert len(c.all("input.row-select")) == 50
    c.one("#select-all-matching input").click()
    c.one("input[name=key0]").send_keys("label_mismatch")
    Select(c.one("select[name=op1]")).select_by_value("add_tag")
    c.one("input[name=key1]").send_keys("reviewed")
    c.shot("20-bulk-bar")
    c.one("#bulk button[value=preview]").click()
    assert c.wait("#preview-count").text == "1,204 records will be tagged"
    assert "add tag label_mismatch, add tag reviewed" in c.one("#bulk-preview").text
    assert FIRST_FILTER in c.one("#bulk-preview").text
    c.shot("21-bulk-preview")


@test
def applying_runs_a_job_to_the_end(c):
    c.one("#bulk-apply").click()
    c.wait("#job")
    assert "/jobs/" in c.d.current_url
    wait_job_done(c)
    assert c.one("#job-done").text == "1,204" and c.one("#job-total").text == "1,204"
    assert c.one("#job-progress").get_attribute("value") == str(MATCHING)
    assert c.all("#undo-job button")
    c.ids["job_url"] = c.d.current_url
    c.shot("22-job-done")
    assert not c.csp_violations(), c.csp_violations()


@test
def the_new_filter_finds_them_and_the_first_is_empty(c):
    filter_stream(c, "tag:label_mismatch")
    assert count_text(c) == f"{MATCHING:,} traces match", count_text(c)
    filter_stream(c, "tag:label_mismatch and tag:reviewed")
    assert count_text(c) == f"{MATCHING:,} traces match", count_text(c)
    filter_stream(c, FIRST_FILTER)
    assert count_text(c) == "0 traces match", count_text(c)


@test
def a_tagged_record_shows_who_tagged_it_and_when(c):
    filter_stream(c, "tag:label_mismatch")
    c.one("table.records tbody tr td:nth-child(2) a").click()
    c.wait("#parameters")
    who = tag_item(c, "label_mismatch").find_element(By.CSS_SELECTOR, ".who").text
    assert who.startswith(f"added by {REVIEWER[0]} · just now · bulk job"), who
    assert "newton" in chips(c) and "reviewed" in chips(c)
    # The history names the job as the source.
    c.one("#history summary").click()
    sources = c.texts("#history tbody td:nth-child(7)")
    assert len(sources) == 2 and all(s.startswith("bulk:") for s in sources), sources
    c.shot("23-who-tagged")


@test
def undoing_the_job_restores_the_first_filter(c):
    c.d.get(c.ids["job_url"])
    c.one("#undo-job button").click()
    c.until(lambda: c.d.current_url != c.ids["job_url"])
    assert c.wait("h1").text.startswith("Undo job")
    wait_job_done(c)
    filter_stream(c, FIRST_FILTER)
    assert count_text(c) == f"{MATCHING:,} traces match", count_text(c)
    filter_stream(c, "tag:label_mismatch")
    assert not c.all("table.records") and count_text(c) == "0 traces match"
    c.d.get(c.ids["job_url"])
    assert c.wait("#job-state").text == "undone"
    assert c.all("#undone-by") and not c.all("#undo-job")
    c.shot("24-job-undone")
    # The jobs list shows both.
    c.go(f"/console/projects/{c.ids['project']}/jobs")
    states = c.texts("table.jobs tbody td:nth-child(3)")
    assert states == ["done", "undone"], states


@test
def inline_tags_and_metadata_with_history_and_undo(c):
    c.go(trace_path(c, c.ids["target"]))
    c.wait("#add-tag")
    c.one("#add-tag input[name=key]").send_keys("needs_fix")
    c.one("#add-tag button").click()
    c.until(lambda: "needs_fix" in chips(c))
    assert tag_item(c, "needs_fix").find_element(By.CSS_SELECTOR, ".who").text.startswith(f"added by {REVIEWER[0]} · just now")
    # Remove a logged tag: it stays visible, struck through, with who removed it.
    tag_item(c, "newton").find_element(By.CSS_SELECTOR, "button.x").click()
    c.until(lambda: "newton" not in chips(c))
    removed = c.one("#parameters .tag-item.removed")
    assert removed.find_element(By.CSS_SELECTOR, "del").text == "newton"
    assert f"removed by {REVIEWER[0]}" in removed.text
    # Set metadata: the logged value is struck through beside the new one.
    c.one("#set-metadata input[name=key]").send_keys("field")
    c.one("#set-metadata input[name=value]").send_keys("chemistry")
    c.one("#set-metadata button").click()
    c.until(lambda: "chemistry" in c.texts("#parameters table.metadata td.value a"))
    row = [r for r in c.all("#parameters table.metadata tr") if r.find_element(By.TAG_NAME, "th").text == "field"][0]
    assert row.find_element(By.CSS_SELECTOR, "del.logged").text == "physics"
    assert f"set by {REVIEWER[0]}" in row.find_element(By.CSS_SELECTOR, "td.prov").text
    # A rule error is shown inline and what was typed is kept.
    c.one("#add-tag input[name=key]").send_keys("x" * 57)
    c.one("#add-tag button").click()
    assert c.wait("#tag-error").text == "tag is 57 characters; the limit is 50"
    assert c.one("#add-tag input[name=key]").get_attribute("value") == "x" * 57
    c.shot("25-inline-annotation")
    # The history lists every event, newest first; undo the removal of newton.
    c.go(trace_path(c, c.ids["target"]))
    c.one("#history summary").click()
    rows = c.all("#history tbody tr")
    events = [(r.find_elements(By.TAG_NAME, "td")[1].text, r.find_elements(By.TAG_NAME, "td")[2].text) for r in rows]
    assert events == [("set_metadata", "field"), ("remove_tag", "newton"), ("add_tag", "needs_fix")], events
    assert rows[0].find_elements(By.TAG_NAME, "td")[4].text == "physics"  # previous value
    assert rows[0].find_elements(By.TAG_NAME, "td")[5].text == REVIEWER[0]
    assert rows[0].find_elements(By.TAG_NAME, "td")[6].text == "console"
    rows[1].find_element(By.CSS_SELECTOR, "button.undo").click()
    c.until(lambda: "newton" in chips(c))
    c.one("#history summary").click()
    rows = c.all("#history tbody tr")
    assert len(rows) == 4 and "undo" in rows[0].text and rows[2].find_elements(By.TAG_NAME, "td")[7].text == "undone"
    assert not c.all("#parameters .tag-item.removed")
    c.shot("26-history")
    # The API sees the same history.
    history = c.server.api("GET", f"/api/v1/projects/{c.ids['project']}/records/{c.ids['target']}/annotations")
    assert [e["actor"] for e in history["events"]] == [f"user:{REVIEWER[0]}"] * 4, history
    assert sorted(history["tags"]) == ["draft", "needs_fix", "newton"], history


@test
def registry_warns_about_case_and_key_duplicates(c):
    c.go(c.stream_path() + "/registry")
    warning = c.wait("#tag-warnings").text
    assert "Tags that differ only by case" in warning and "physics" in warning and "Physics" in warning, warning
    keys = c.one("#key-warnings").text
    assert "user_id" in keys and "userId" in keys, keys
    row = c.one("tr[data-key=promptVersion]").text
    assert "string" in row, row
    assert c.one("#pii-current").text == "warn"
    assert not c.all("#pii-policy select"), "an annotator must not get the policy form"
    c.shot("27-registry")
    # The policy form is the admins': an annotator's forged POST is refused.
    status, _, _ = c.server.request("POST", f"/console/projects/{c.ids['project']}/pii-policy",
                                    f"csrf={csrf(c)}&policy=reject", cookie=c.cookie())
    assert status == 403, status


@test
def registry_tags_get_descriptions_and_colours(c):
    for tag, description, colour in [("label_mismatch", "output does not match the label", "#d9480f"),
                                     ("reviewed", "a person looked at it", "#2b8a3e")]:
        form = c.one("#describe-tag")
        form.find_element(By.NAME, "tag").send_keys(tag)
        form.find_element(By.NAME, "description").send_keys(description)
        form.find_element(By.NAME, "colour").send_keys(colour)
        form.find_element(By.CSS_SELECTOR, "button").click()
        c.until(lambda: description in c.one(f"tr[data-tag={tag}]").text)
    row = c.one("tr[data-tag=label_mismatch]")
    assert "output does not match the label" in row.text
    chip = row.find_element(By.CSS_SELECTOR, ".chip")
    assert chip.value_of_css_property("background-color") == "rgba(217, 72, 15, 1)", chip.value_of_css_property("background-color")
    # The colour follows the tag onto the stream's chips.
    filter_stream(c, "tag:reviewed")
    chip = [e for e in c.all("table.records a.chip") if e.text == "reviewed"][0]
    assert chip.value_of_css_property("background-color") == "rgba(43, 138, 62, 1)"
    assert not c.csp_violations(), c.csp_violations()


@test
def merging_a_case_duplicate_is_an_undoable_job(c):
    c.go(c.stream_path() + "/registry")
    button = c.one("#tag-warnings button.merge")
    assert button.text == "Merge Physics into physics", button.text
    button.click()
    c.wait("#job")
    wait_job_done(c)
    assert "add tag physics, remove tag Physics" in c.one("#job").text
    c.go(c.stream_path() + "/registry")
    c.wait("#tag-registry")
    assert not c.all("#tag-warnings")
    assert "40" in c.one("tr[data-tag=physics]").text


@test
def keyboard_review_steps_through_the_filter_and_toggles_registry_tags(c):
    filter_stream(c, 'metadata.promptVersion = "0.0.2"')
    first = c.all("table.records tbody tr")[0]
    second_id = c.all("table.records tbody tr")[1].find_element(By.CSS_SELECTOR, "td.mono a").get_attribute("title")
    first.find_element(By.CSS_SELECTOR, "td:nth-child(2) a").click()
    c.wait("#review-nav")
    first_url = c.d.current_url
    assert "i=0" in first_url and "sid=" in first_url, first_url
    assert "Record 1 of 40" in c.one("#review-nav").text
    press(c, "j")
    c.until(lambda: "i=1" in c.d.current_url)
    assert second_id in c.d.current_url, (second_id, c.d.current_url)
    assert "Record 2 of 40" in c.one("#review-nav").text
    press(c, "k")
    c.until(lambda: c.d.current_url == first_url)
    # The registry is label_mismatch, reviewed (in order): 2 toggles "reviewed".
    assert c.texts("#quick-tags button") == ["1 label_mismatch", "2 reviewed"], c.texts("#quick-tags button")
    press(c, "2")
    c.until(lambda: "reviewed" in chips(c))
    assert c.one("button[data-quick='2']").get_attribute("aria-pressed") == "true"
    assert c.d.current_url == first_url
    press(c, "2")
    c.until(lambda: "reviewed" not in chips(c))
    press(c, "?")
    assert c.one("#shortcut-help").is_displayed()
    c.shot("28-keyboard-help")
    press(c, "\ue00c")  # Escape
    assert not c.one("#shortcut-help").is_displayed()
    assert not c.csp_violations(), c.csp_violations()


@test
def checked_rows_are_annotated_as_one_job(c):
    filter_stream(c, 'metadata.promptVersion = "0.0.2"')
    c.one("#select-page").click()
    assert c.one("#selected-count").text == "40"
    assert "offer" in c.one("#select-all-matching").get_attribute("class")
    c.one("#select-page").click()
    assert c.one("#selected-count").text == "0"
    for box in c.all("input.row-select")[:2]:
        box.click()
    assert c.one("#selected-count").text == "2"
    assert c.one("#bulk input[name=scope][value=selected]").is_selected()
    Select(c.one("select[name=op0]")).select_by_value("set_metadata")
    value = c.one("input[name=value0]")
    assert value.is_displayed() and not c.one("input[name=value1]").is_displayed()
    c.one("input[name=key0]").send_keys("reviewer")
    value.send_keys("ana")
    c.one("#bulk button[value=preview]").click()
    assert c.wait("#preview-count").text == "2 records will be changed"
    c.one("#bulk-apply").click()
    c.wait("#job")
    wait_job_done(c)
    assert "set metadata reviewer = ana" in c.one("#job").text
    filter_stream(c, "metadata.reviewer = ana")
    assert count_text(c) == "2 traces match", count_text(c)


@test
def metadata_key_descriptions_are_editable(c):
    c.go(c.stream_path() + "/registry")
    form = c.wait("tr[data-key=user_id] form")
    form.find_element(By.NAME, "description").send_keys("the end user's id")
    form.find_element(By.CSS_SELECTOR, "button").click()
    c.until(lambda: "the end user's id" in c.one("tr[data-key=user_id] td.desc").text)
    assert "number" not in c.one("tr[data-key=user_id]").text


@test
def pii_findings_show_in_the_stream_and_on_the_record(c):
    filter_stream(c, 'metadata.promptVersion = "0.0.4"')
    badge = c.one("table.records td.sel .badge.pii")
    # The path's spelling is the ingest layer's; the kind and the key are what must show.
    title = badge.get_attribute("title")
    assert badge.text == "PII" and "email" in title and "contact" in title, title
    c.one("table.records tbody tr td:nth-child(2) a").click()
    panel = c.wait("#pii").text
    assert "email" in panel and "contact" in panel, panel
    c.shot("29-pii")


@test
def an_admin_changes_the_pii_policy(c):
    c.login(srv.ADMIN_EMAIL, srv.ADMIN_PASSWORD)
    c.go(c.stream_path() + "/registry")
    Select(c.wait("#pii-policy select")).select_by_value("redact")
    c.one("#pii-policy button").click()
    c.until(lambda: c.one("#pii-current").text == "redact")
    assert c.server.api("GET", f"/api/v1/projects/{c.ids['project']}/pii-policy")["policy"] == "redact"
    Select(c.one("#pii-policy select")).select_by_value("warn")
    c.one("#pii-policy button").click()
    c.until(lambda: c.one("#pii-current").text == "warn")


@test
def a_viewer_sees_no_edit_controls(c):
    c.login(*VIEWER)
    filter_stream(c, FIRST_FILTER)
    assert count_text(c) == f"{MATCHING:,} traces match"
    assert not c.all("#bulk") and not c.all("input.row-select")
    c.go(trace_path(c, c.ids["target"]))
    c.wait("#parameters")
    assert not c.all("#parameters form") and not c.all("#quick-tags")
    c.one("#history summary").click()
    assert len(c.all("#history tbody tr")) == 4 and not c.all("#history button")
    c.shot("30-viewer")
    c.go(c.stream_path() + "/registry")
    c.wait("#tag-registry")
    assert not c.all("main form"), c.texts("main form")
    c.d.get(c.ids["job_url"])
    c.wait("#job")
    assert not c.all("#undo-job")


@test
def every_review_post_from_a_viewer_gets_403(c):
    token, cookie, p, s = csrf(c), c.cookie(), c.ids["project"], c.ids["stream"]
    job = c.ids["job_url"].rsplit("/", 1)[1]
    history = c.server.api("GET", f"/api/v1/projects/{p}/records/{c.ids['target']}/annotations")["events"]
    target = c.ids["target"]
    posts = [
        (f"/console/projects/{p}/traces/{target}", f"do=annotate&record={target}&op=add_tag&key=forged"),
        (f"/console/projects/{p}/traces/{target}", f"do=undo&event={history[0]['id']}"),
        (f"/console/projects/{p}/log-streams/{s}/bulk", "scope=all&q=&root=trace&op0=add_tag&key0=forged&step=apply"),
        (f"/console/projects/{p}/log-streams/{s}/bulk", "scope=all&q=&root=trace&op0=add_tag&key0=forged&step=preview"),
        (f"/console/projects/{p}/jobs/{job}/undo", ""),
        (f"/console/projects/{p}/log-streams/{s}/registry/tags", "tag=forged&description=x"),
        (f"/console/projects/{p}/log-streams/{s}/registry/tags/rename", "from=physics&to=forged"),
        (f"/console/projects/{p}/log-streams/{s}/registry/keys", "key=user_id&description=x"),
        (f"/console/projects/{p}/pii-policy", "policy=reject"),
    ]
    for path, body in posts:
        status, _, text = c.server.request("POST", path, f"csrf={token}&{body}".rstrip("&"), cookie=cookie)
        assert status == 403, (path, status, text[:200])
    # Nothing changed.
    after = c.server.api("GET", f"/api/v1/projects/{p}/records/{target}/annotations")
    assert len(after["events"]) == len(history) and "forged" not in after["tags"], after
    jobs = c.server.api("GET", f"/api/v1/projects/{p}/bulk-annotations")["jobs"]
    assert len(jobs) == 4, [j["ops"] for j in jobs]
    registry = c.server.api("GET", f"/api/v1/projects/{p}/registry/tags?log_stream_id={s}")
    assert not any(t["tag"] == "forged" for t in registry["tags"]), registry
    assert c.server.api("GET", f"/api/v1/projects/{p}/pii-policy")["policy"] == "warn"
    # A missing CSRF token is refused too, for a reviewer as for anyone.
    c.login(*REVIEWER)
    status, _, _ = c.server.request("POST", f"/console/projects/{p}/traces/{target}",
                                    f"csrf=forged&do=annotate&record={target}&op=add_tag&key=x", cookie=c.cookie())
    assert status == 403, status


@test
def the_console_job_json_answers_the_session(c):
    job = c.ids["job_url"].rsplit("/", 1)[1]
    status, _, text = c.server.request("GET", f"/console/api/projects/{c.ids['project']}/jobs/{job}", cookie=c.cookie())
    assert status == 200, text
    body = json.loads(text)
    assert body["state"] == "undone" and body["total"] == MATCHING, body
    status, _, _ = c.server.request("GET", f"/console/api/projects/{c.ids['project']}/jobs/{job}")
    assert status in (302, 303), status
    assert re.match(r"^[0-9a-f-]{36}$", body["id"])


if __name__ == "__main__":
    sys.exit(run(TESTS, seed))
