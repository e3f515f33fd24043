"""Browser tests of admitting quarantined records from the console (PRODUCT.md: "The console shows
quarantine per log stream; a quarantined record can be fixed and admitted"), in a real headless
Chromium against the real `parallax` binary.

A reviewer opens the quarantine of a log stream, shortens a 57-character tag in the record's JSON,
clicks Admit, sees "Admitted 1 record" and finds the record in the log stream. JSON that still
breaks a rule (or "Admit as is" on such a record) re-renders with 422 and the rule's sentence
beside that entry's form, the edit kept; malformed JSON gets an inline error. A viewer sees no
form, and their POST gets 403 even with a valid CSRF token.

Run through tests/console/run.sh. Screenshots: target/console-screenshots/3x-….
"""

import json
import os
import sys
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(__file__))
import server as srv  # noqa: E402
from harness import run  # noqa: E402

REVIEWER = ("fixer@example.com", "fixer-password-1")
VIEWER = ("reader@example.com", "reader-password-1")
LONG_TAG = "needs-a-shorter-name-" + "x" * 36  # 57 characters
SENTENCE = "tag is 57 characters; the limit is 50"
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def seed(server):
    assert len(LONG_TAG) == 57
    project = server.api("POST", "/projects", {"name": "quarantine-demo", "type": "gen_ai"})["id"]
    stream = server.api("POST", f"/projects/{project}/log_streams", {"name": "default"})["id"]
    ids = {"project": project, "stream": stream}
    for key, name in [("fixable", "fix me"), ("stubborn", "still bad")]:
        body, trace_id = srv.trace_body(stream, [LONG_TAG, "keep"], {"field": "physics"}, name=name)
        reply = server.api("POST", f"/v2/projects/{project}/traces", body)
        assert len(reply.get("quarantined", [])) == 1, reply
        ids[key] = trace_id
    return ids


# --- helpers ---------------------------------------------------------------------------------

def quarantine_path(c):
    return c.stream_path() + "/quarantine"


def entry(c, trace_id):
    """The article of the quarantined record `trace_id`."""
    for a in c.all("article.quarantined"):
        if trace_id in a.find_element(By.CSS_SELECTOR, "header").text:
            return a
    raise AssertionError(f"no quarantine entry for {trace_id}: {c.texts('article.quarantined header')}")


def textarea(article):
    return article.find_element(By.CSS_SELECTOR, "form.admit textarea[name=record]")


def type_json(area, text):
    area.clear()
    area.send_keys(text)


def csrf(c):
    return c.one("form.logout input[name=csrf]").get_attribute("value")


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
def a_reviewer_sees_each_record_as_json_in_a_form(c):
    c.login(*REVIEWER)
    c.go(quarantine_path(c))
    c.wait("article.quarantined form.admit")
    assert len(c.all("article.quarantined")) == 2
    a = entry(c, c.ids["fixable"])
    assert SENTENCE in a.text, a.text
    record = json.loads(textarea(a).get_attribute("value"))
    assert record["id"] == c.ids["fixable"] and LONG_TAG in record["tags"], record
    buttons = [b.text for b in a.find_elements(By.CSS_SELECTOR, "form.admit button")]
    assert buttons == ["Admit", "Admit as is"], buttons
    assert not c.csp_violations(), c.csp_violations()


@test
def fixing_the_tag_and_admitting_stores_the_record(c):
    a = entry(c, c.ids["fixable"])
    area = textarea(a)
    record = json.loads(area.get_attribute("value"))
    record["tags"] = ["shorter-name", "keep"]
    type_json(area, json.dumps(record, indent=2))
    a.find_element(By.CSS_SELECTOR, "button[value=admit]").click()
    notice = c.wait("p.notice.ok").text
    assert "Admitted 1 record" in notice and c.ids["fixable"] in notice, notice
    assert "admitted=" in c.d.current_url, c.d.current_url
    assert len(c.all("article.quarantined")) == 1
    assert c.ids["fixable"] not in c.one("main").text.replace(notice, "")
    c.shot("31-quarantine-admit")
    # The record is in the log stream now, with the fixed tag.
    c.go(c.stream_path() + "?" + urllib.parse.urlencode({"q": "tag:shorter-name"}))
    rows = c.all("table.records tbody tr")
    assert len(rows) == 1 and "fix me" in rows[0].text, [r.text for r in rows]
    assert "shorter-name" in c.texts("table.records a.chip")
    stored = c.server.api("GET", f"/api/v1/projects/{c.ids['project']}/records/{c.ids['fixable']}")
    assert sorted(stored["tags"]) == ["keep", "shorter-name"], stored


@test
def json_that_still_breaks_a_rule_is_refused_inline_with_422(c):
    c.go(quarantine_path(c))
    a = entry(c, c.ids["stubborn"])
    area = textarea(a)
    record = json.loads(area.get_attribute("value"))
    record["name"] = "edited but still bad"
    edited = json.dumps(record, indent=2)
    type_json(area, edited)
    a.find_element(By.CSS_SELECTOR, "button[value=admit]").click()
    c.wait("form.admit p.notice.error")
    a = entry(c, c.ids["stubborn"])
    error = a.find_element(By.CSS_SELECTOR, "form.admit p.notice.error").text
    assert "the record still breaks a rule" in error and SENTENCE in error, error
    assert textarea(a).get_attribute("value") == edited
    assert textarea(a).get_attribute("aria-invalid") == "true"
    c.shot("32-quarantine-still-bad")
    # The same post, outside the browser, to see the status.
    form = urllib.parse.urlencode({"csrf": csrf(c), "entry": entry_id(c, "stubborn"), "do": "admit", "record": edited})
    status, _, text = c.server.request("POST", quarantine_path(c), form, cookie=c.cookie())
    assert status == 422 and SENTENCE in text, (status, text[:300])
    # "Admit as is" judges the record as kept: still 422.
    form = urllib.parse.urlencode({"csrf": csrf(c), "entry": entry_id(c, "stubborn"), "do": "as_is"})
    status, _, text = c.server.request("POST", quarantine_path(c), form, cookie=c.cookie())
    assert status == 422 and SENTENCE in text, (status, text[:300])
    assert len(c.server.api("GET", f"/api/v1/projects/{c.ids['project']}/quarantine")["quarantined"]) == 1


def entry_id(c, key):
    a = entry(c, c.ids[key])
    return a.find_element(By.CSS_SELECTOR, "form.admit input[name=entry]").get_attribute("value")


@test
def malformed_json_gets_a_clear_error_and_nothing_is_lost(c):
    c.go(quarantine_path(c))
    broken = '{"type": "trace", "tags": ["oops",]'
    a = entry(c, c.ids["stubborn"])
    type_json(textarea(a), broken)
    a.find_element(By.CSS_SELECTOR, "button[value=admit]").click()
    c.wait("form.admit p.notice.error")
    a = entry(c, c.ids["stubborn"])
    error = a.find_element(By.CSS_SELECTOR, "form.admit p.notice.error").text
    assert "not valid JSON" in error, error
    assert textarea(a).get_attribute("value") == broken


@test
def a_viewer_sees_no_admit_form_and_gets_403(c):
    c.login(*VIEWER)
    c.go(quarantine_path(c))
    a = c.wait("article.quarantined")
    assert SENTENCE in a.text and not c.all("form.admit") and not c.all("main textarea")
    form = urllib.parse.urlencode({"csrf": csrf(c), "entry": c.ids["stubborn"], "do": "as_is"})
    status, _, _ = c.server.request("POST", quarantine_path(c), form, cookie=c.cookie())
    assert status == 403, status
    assert len(c.server.api("GET", f"/api/v1/projects/{c.ids['project']}/quarantine")["quarantined"]) == 1


if __name__ == "__main__":
    sys.exit(run(TESTS, seed))
