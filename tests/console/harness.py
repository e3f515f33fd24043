"""What every console test file shares: one headless Chromium, the helpers the tests call
(`Ctx`), and the loop that starts the real server, seeds it, runs the tests in order and prints
"N passed, N failed".

Screenshots go to target/console-screenshots/; run.sh empties it once before all the files run,
so each file adds its own (test_console.py 01-…, test_review.py 20-…, test_quarantine.py 31-…).
"""

import os
import sys
import tempfile
import traceback

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
import server as srv  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHOTS = os.path.join(ROOT, "target", "console-screenshots")


class Ctx:
    """What the tests share: the server, the seeded ids and one browser."""

    def __init__(self, server, ids, driver):
        self.server, self.ids, self.d = server, ids, driver

    def go(self, path):
        self.d.get(self.server.url + path)

    def wait(self, css, timeout=10):
        return WebDriverWait(self.d, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def until(self, predicate, timeout=10):
        """Waits for `predicate`; a page that is reloading meanwhile (stale or missing elements)
        counts as not yet."""
        def check(_):
            try:
                return predicate()
            except WebDriverException:
                return False
        return WebDriverWait(self.d, timeout).until(check)

    def all(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def one(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def texts(self, css):
        return [e.text.strip() for e in self.all(css)]

    def shot(self, name):
        self.d.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def stream_path(self):
        return f"/console/projects/{self.ids['project']}/log-streams/{self.ids['stream']}"

    def cookie(self):
        c = self.d.get_cookie("parallax_session")
        return f"parallax_session={c['value']}" if c else ""

    def login(self, email, password):
        self.d.delete_all_cookies()
        self.go("/console/")
        self.wait("#email").send_keys(email)
        self.d.find_element(By.ID, "password").send_keys(password)
        self.d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        self.wait("nav.top")

    def no_alert(self):
        try:
            text = self.d.switch_to.alert.text
            raise AssertionError(f"an alert ran: {text!r}")
        except NoAlertPresentException:
            pass

    def csp_violations(self):
        logs = self.d.get_log("browser")
        return [l["message"] for l in logs if "Content Security Policy" in l["message"] or "Refused to" in l["message"]]


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1440,900",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='parallax-chromium-')}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=opts, service=service)


def run(tests, seed):
    """Starts the server given as argv[1], seeds it, runs `tests` in order; returns the exit status."""
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "parallax")
    os.makedirs(SHOTS, exist_ok=True)
    server = srv.Server(binary)
    driver = None
    passed = failed = 0
    try:
        ids = seed(server)
        driver = browser()
        c = Ctx(server, ids, driver)
        for t in tests:
            try:
                t(c)
                passed += 1
                print(f"ok   {t.__name__}", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {t.__name__}", flush=True)
                traceback.print_exc()
                try:
                    c.shot("failed-" + t.__name__)
                except Exception:
                    pass
    finally:
        if driver:
            driver.quit()
        if failed:
            print("---- server log ----")
            print(server.logs()[-5000:])
        server.stop()
    print(f"screenshots in {SHOTS}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
