"""Runs every scenario of ../shared/galileo-sdk/scenarios with the real `galileo` package against a
real Parallax server, then checks through the API that each trace, span, tag and metadata value
was stored exactly as logged. Usage: run_scenarios.py <path to the parallax binary>."""
import json, os, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT.parent / "shared" / "galileo-sdk" / "scenarios"
KEY = "plx_scenario_test_key"
failures = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None):
        req = urllib.request.Request(self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"X-API-Key": KEY, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def project(self, name):
        found = self.call("GET", f"/projects?project_name={name}&type=gen_ai")
        assert len(found) == 1, f"project {name} not found exactly once: {found}"
        return found[0]["id"]

    def stream(self, pid, name):
        streams = self.call("GET", f"/projects/{pid}/log_streams")
        return next(s["id"] for s in streams if s["name"] == name)

    def search(self, pid, sid, q, root="trace"):
        return self.call("POST", f"/api/v1/projects/{pid}/search", {"log_stream_id": sid, "root": root, "q": q, "limit": 200})["records"]

    def trace(self, pid, tid):
        return self.call("GET", f"/api/v1/projects/{pid}/traces/{tid}")


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")
        print(f"  FAIL {name} {detail}")
    else:
        print(f"  ok   {name}")


def walk(node):
    yield node
    for child in node.get("spans", []):
        yield from walk(child)


def run(script, env):
    print(f"== {script}")
    p = subprocess.run([sys.executable, str(SCENARIOS / script)], env=env, capture_output=True, text=True, timeout=300)
    print(p.stdout.strip())
    if p.returncode != 0:
        print(p.stderr[-3000:])
    check(f"{script} exits 0", p.returncode == 0, p.stderr[-500:])
    return p.stdout


SEED_META = {"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"}
SEED_TAGS = ["newton", "test", "new-version"]


def check_s01(api):
    pid = api.project("seed"); sid = api.stream(pid, "default")
    traces = api.search(pid, sid, 'tag:newton and metadata.field = "physics"')
    check("s01 one trace matches the seed filter", len(traces) == 1, traces)
    t = api.trace(pid, traces[0]["id"])
    check("s01 trace tags", t["tags"] == SEED_TAGS, t["tags"])
    check("s01 trace metadata", t["user_metadata"] == SEED_META, t["user_metadata"])
    check("s01 trace input", t["input"] == "Explain the following topic succinctly: Newton's First Law")
    llm = t["spans"][0]
    check("s01 llm span", llm["type"] == "llm" and llm["model"] == "gpt-4o", llm)
    check("s01 llm span tags and metadata", llm["tags"] == SEED_TAGS and llm["user_metadata"] == SEED_META, llm)
    check("s01 llm span input", llm["input"][0]["role"] == "system" and llm["input"][0]["content"] == "prompt")


def check_s02(api):
    pid = api.project("p2"); sid = api.stream(pid, "s2")
    weather = api.search(pid, sid, 'name = "weather-trace"')
    check("s02 weather trace", len(weather) == 1, weather)
    t = api.trace(pid, weather[0]["id"])
    check("s02 metadata stringified as sent", t["user_metadata"] == {"str": "x", "int": "42", "float": "1.5", "bool": "True", "none": "None"}, t["user_metadata"])
    check("s02 tags", t["tags"] == ["t1"], t["tags"])
    check("s02 external id and time", t["external_id"] == "ext-trace-1" and t["created_at"].startswith("2024-01-02T03:04:05"), t)
    check("s02 dataset fields kept", t.get("dataset_input") == "ds in", t.get("dataset_input"))
    spans = {s["name"]: s for s in walk(t) if s is not t}
    check("s02 planner workflow", spans.get("planner", {}).get("tags") == ["wf"] and spans["planner"]["user_metadata"] == {"k": "v"}, spans.get("planner"))
    check("s02 tool span", spans.get("get_weather", {}).get("tags") == ["tool"] and spans["get_weather"]["type"] == "tool", spans.get("get_weather"))
    llm = spans.get("llm-call", {})
    check("s02 llm tokens", llm.get("metrics", {}).get("num_input_tokens") == 10 and llm["metrics"]["num_total_tokens"] == 15, llm.get("metrics"))
    check("s02 nesting", spans.get("get_weather", {}).get("parent_id") == spans.get("inner-wf", {}).get("id"))
    q = api.call("GET", f"/api/v1/projects/{pid}/quarantine?log_stream_id={sid}")["quarantined"]
    bad = [e for e in q if any("300 characters" in v["message"] for v in e["violations"])]
    check("s02 300-char tag quarantined with every violation", bool(bad) and len(bad[0]["violations"]) == 2, q)
    check("s02 quarantined record kept whole", bool(bad) and len(bad[0]["record"]["tags"][0]) == 300)


def check_s03(api):
    pid = api.project("p3"); sid = api.stream(pid, "s3")
    sessions = api.search(pid, sid, "", root="session")
    conv = [s for s in sessions if s.get("external_id") == "conv-42"]
    check("s03 session by external id", len(conv) == 1, sessions)
    check("s03 two traces in the session (turn 3 was flushed after clear_session)", conv and conv[0]["num_traces"] == 2, conv)
    t = api.search(pid, sid, "tag:session")
    check("s03 tagged turn", len(t) == 1 and t[0]["session_id"] == conv[0]["id"], t)


def check_s04(api):
    pid = api.project("p4"); sid = api.stream(pid, "s4")
    # @log has no tags/metadata arguments (PROTOCOL.md §3.12): only names, types and params arrive.
    spans = api.search(pid, sid, 'name = "pipeline" and type = workflow', root="span")
    check("s04 decorated workflow span", len(spans) == 1, spans)
    llm = api.search(pid, sid, 'name = "call_llm"', root="span")
    check("s04 llm params model", len(llm) == 1 and llm[0]["model"] == "gpt-4o-mini", llm)
    kinds = {s["type"] for s in api.search(pid, sid, "", root="span")}
    check("s04 every decorated type", {"workflow", "retriever", "tool", "agent", "llm"} <= kinds, kinds)


def check_s05(api):
    pid = api.project("p5"); sid = api.stream(pid, "s5")
    traces = api.search(pid, sid, "tag:dist")
    check("s05 distributed trace", len(traces) == 1, traces)
    t = api.trace(pid, traces[0]["id"])
    check("s05 trace patched", t["output"] == "dist output" and t["metrics"]["duration_ns"] == 123 and t["user_metadata"] == {"a": "1"}, t)
    spans = {s["name"]: s for s in walk(t) if s is not t}
    check("s05 workflow concluded", spans.get("wf", {}).get("output") == "wf out", spans.get("wf"))
    llms = [s for s in walk(t) if s.get("type") == "llm"]
    check("s05 upstream and downstream llm spans", len(llms) == 2, [s.get("input") for s in llms])
    check("s05 tool span", "tool" in spans)


def main():
    binary = sys.argv[1]
    port = free_port()
    data = tempfile.mkdtemp(prefix="parallax-scenarios-")
    env = dict(os.environ, PARALLAX_INIT_API_KEY=KEY, PARALLAX_LOG="warn")
    server = subprocess.Popen([binary, "serve", "--data-dir", data, "--bind", f"127.0.0.1:{port}"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthcheck", timeout=1); break
            except Exception:
                time.sleep(0.1)
        api = Api(url)
        client_env = dict(os.environ, GALILEO_API_URL=url, GALILEO_API_KEY=KEY, GALILEO_PROJECT="seed", GALILEO_LOG_STREAM="default",
                          GALILEO_HOME_DIR=tempfile.mkdtemp())
        run("s01_basic.py", client_env); check_s01(api)
        run("s02_span_types.py", client_env); check_s02(api)
        run("s03_sessions.py", client_env); check_s03(api)
        run("s04_decorator.py", client_env); check_s04(api)
        run("s05_distributed.py", client_env); check_s05(api)
        out = run("s07_readback.py", client_env)
        check("s07 search with filter objects", "traces: LogRecordsQueryResponse 1" in out or "traces: " in out and " 1 " in out.split("traces:")[1].split("\n")[0], out[:300])
        check("s07 LogStream.get_traces", "LogStream.get_traces: 1" in out, out)
        check("s07 columns include metadata", "user_metadata.field" in out, out)
        check("s07 spans query", "LogStream.query spans: 1" in out, out)
    finally:
        server.terminate(); server.wait(10)
    print(f"\n{len(failures)} failure(s)")
    for f in failures:
        print(" -", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
