"""Starting the real `parallax` binary for the console tests, and feeding it data over HTTP.

The server runs on a free loopback port with a fresh data directory; data goes in through the
Galileo ingest route exactly as the SDK sends it (the body of the seed snippet, captured).
"""

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid

API_KEY = "plx_console_test_admin_key"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "console-admin-password"
SEED_META = {"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"}
SEED_TAGS = ["newton", "test", "new-version"]
EVIL_TAG = "<img src=x onerror=alert(1)>"
EVIL_VALUE = "<script>window.__xss = 1; alert(2)</script>"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary):
        self.dir = tempfile.TemporaryDirectory(prefix="parallax-console-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.dir.name, "server.log")
        env = dict(os.environ)
        env.update(
            PARALLAX_INIT_API_KEY=API_KEY,
            PARALLAX_INIT_ADMIN_EMAIL=ADMIN_EMAIL,
            PARALLAX_INIT_ADMIN_PASSWORD=ADMIN_PASSWORD,
            RUST_LOG="info",
        )
        data = os.path.join(self.dir.name, "data")
        os.makedirs(data)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", data, "--bind", f"127.0.0.1:{self.port}"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.logs()}")
            try:
                urllib.request.urlopen(self.url + "/healthcheck", timeout=1)
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start:\n{self.logs()}")

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        self.dir.cleanup()

    def request(self, method, path, body=None, headers=None, cookie=None):
        """Returns (status, headers, text) without raising on 4xx/5xx or following redirects."""
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
            else:
                data = body.encode() if isinstance(body, str) else body
                hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if cookie:
            hdrs["Cookie"] = cookie
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def api(self, method, path, body=None):
        status, _, text = self.request(method, path, body, headers={"X-API-Key": API_KEY})
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {text}")
        return json.loads(text)


def trace_body(stream, tags, meta, name="", status=None, spans=None, trace_input=None, output="..."):
    """A Galileo ingest body with one trace (shaped like the SDK's, captures/10)."""
    trace_id = str(uuid.uuid4())
    body = {
        "log_stream_id": stream, "experiment_id": None, "logging_method": "api_direct",
        "client_version": None, "reliable": False, "session_id": None, "session_external_id": None,
        "is_complete": True,
        "traces": [{
            "type": "trace", "id": trace_id, "name": name,
            "input": trace_input or "Explain the following topic succinctly: Newton's First Law",
            "output": output, "created_at": now_iso(), "user_metadata": meta, "tags": tags,
            "status_code": status, "metrics": {"duration_ns": 2_400_000_000}, "external_id": None,
            "session_id": None, "trace_id": None, "parent_id": None, "spans": spans or [],
        }],
    }
    return body, trace_id


def llm_span(tags, meta, prompt="prompt", output="Model response", status=None, offset_ms=5):
    span_id = str(uuid.uuid4())
    return span_id, {
        "type": "llm", "id": span_id, "name": "chat gpt-4o",
        "input": [{"content": prompt, "role": "system", "tool_call_id": None, "tool_calls": None}],
        "output": {"content": output, "role": "assistant", "tool_call_id": None, "tool_calls": None},
        "created_at": now_iso(offset_ms), "user_metadata": meta, "tags": tags, "status_code": status,
        "metrics": {"duration_ns": 1_800_000_000, "num_input_tokens": 42, "num_output_tokens": 128,
                    "num_total_tokens": 170, "time_to_first_token_ns": 350_000_000},
        "tools": None, "events": None, "model": "gpt-4o", "temperature": 0.2, "finish_reason": "stop",
        "session_id": None, "trace_id": None, "parent_id": None, "external_id": None,
    }


def now_iso(offset_ms=0):
    t = time.time() - 120 + offset_ms / 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def seed(server):
    """Creates a project and stream and logs the traces the tests look for. Returns their ids."""
    project = server.api("POST", "/projects", {"name": "console-demo", "type": "gen_ai"})["id"]
    stream = server.api("POST", f"/projects/{project}/log_streams", {"name": "default"})["id"]
    ids = {"project": project, "stream": stream}

    # The seed snippet: a trace and its LLM span, both tagged and with metadata.
    span_id, span = llm_span(SEED_TAGS, SEED_META)
    body, trace_id = trace_body(stream, SEED_TAGS, SEED_META, spans=[span])
    server.api("POST", f"/v2/projects/{project}/traces", body)
    ids.update(seed_trace=trace_id, seed_span=span_id)

    # Another slice: chemistry, failing, with a retriever and a tool span.
    other_meta = {"experimentNumber": "2", "promptVersion": "0.0.2", "field": "chemistry"}
    doc_span = {
        "type": "retriever", "id": str(uuid.uuid4()), "name": "search docs", "input": "benzene ring",
        "output": [{"content": "Benzene is an aromatic hydrocarbon.", "metadata": {"source": "wiki"}}],
        "created_at": now_iso(2), "metrics": {"duration_ns": 300_000_000}, "tags": ["rag"], "user_metadata": {},
    }
    tool_span = {
        "type": "tool", "id": str(uuid.uuid4()), "name": "calculator", "input": "{\"expr\": \"6*7\"}",
        "output": "42", "created_at": now_iso(400), "metrics": {"duration_ns": 20_000_000},
        "tags": [], "user_metadata": {}, "status_code": 500,
    }
    llm_id, llm = llm_span(["label_mismatch"], other_meta, prompt="Explain benzene", status=500, offset_ms=500)
    body, other_trace = trace_body(stream, ["label_mismatch", "test"], other_meta, name="chemistry question",
                                   status=500, spans=[doc_span, tool_span, llm])
    server.api("POST", f"/v2/projects/{project}/traces", body)
    ids["other_trace"] = other_trace

    # Script injection: a tag, a metadata value, an input and a name that look like HTML.
    evil_meta = {"note": EVIL_VALUE, "field": "security"}
    body, evil_trace = trace_body(stream, [EVIL_TAG, "xss"], evil_meta, name="<b>bold name</b>",
                                  trace_input="<img src=y onerror=alert(3)>")
    server.api("POST", f"/v2/projects/{project}/traces", body)
    ids["evil_trace"] = evil_trace

    # A record that breaks a rule and lands in quarantine: a 57-character tag.
    body, bad_trace = trace_body(stream, ["x" * 57], {"field": "physics"})
    reply = server.api("POST", f"/v2/projects/{project}/traces", body)
    ids["quarantined"] = reply.get("quarantined", [])
    return ids
