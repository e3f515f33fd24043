"""End-to-end OTLP check: the real OpenTelemetry Python exporter (send_spans.py) sends one trace per
convention to a real Parallax server, uncompressed and gzip, and each trace's tags and metadata are
read back through the API; the rule-breaking span must be in quarantine, not lost.
Usage: run_e2e.py <path to the parallax binary>."""
import json, os, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEY = "plx_otel_test_key"
failures = []


def check(name, cond, detail=""):
    print(("  ok   " if cond else "  FAIL ") + name + ("" if cond else f" {detail}"))
    if not cond:
        failures.append(name)


def call(url, path):
    req = urllib.request.Request(url + path, headers={"X-API-Key": KEY})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def main():
    binary = sys.argv[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PARALLAX_INIT_API_KEY=KEY, PARALLAX_LOG="warn")
    server = subprocess.Popen([binary, "serve", "--data-dir", tempfile.mkdtemp(), "--bind", f"127.0.0.1:{port}"], env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthcheck", timeout=1); break
            except Exception:
                time.sleep(0.1)
        for compression, stream in [("none", "otel-plain"), ("gzip", "otel-gzip")]:
            print(f"== send_spans.py --compression {compression}")
            p = subprocess.run([sys.executable, str(HERE / "send_spans.py"), "--endpoint", f"{url}/v1/traces", "--api-key", KEY,
                                "--project", "otel", "--log-stream", stream, "--compression", compression, "--include-invalid"],
                               capture_output=True, text=True, timeout=120)
            check(f"exporter succeeded ({compression})", p.returncode == 0, p.stderr[-1000:])
            report = json.loads(p.stdout)
            pid = next(x["id"] for x in call(url, "/projects?project_name=otel&type=gen_ai"))
            sid = next(s["id"] for s in call(url, f"/projects/{pid}/log_streams") if s["name"] == stream)
            for t in report["traces"]:
                expect = t["expect"]
                if expect.get("quarantined"):
                    q = call(url, f"/api/v1/projects/{pid}/quarantine?log_stream_id={sid}")["quarantined"]
                    msgs = [v["path"] + ": " + v["message"] for e in q for v in e["violations"]]
                    check(f"{t['convention']}: rule breaker quarantined", any(m.endswith(expect["violation"]) for m in msgs), msgs)
                    continue
                trace = call(url, f"/api/v1/projects/{pid}/traces/{t['trace_uuid']}")
                check(f"{t['convention']}: tags", sorted(trace["tags"]) == sorted(expect["tags"]), (trace["tags"], expect["tags"]))
                meta = {k: v for k, v in trace["user_metadata"].items() if k in expect["metadata"]}
                check(f"{t['convention']}: metadata", meta == expect["metadata"], (trace["user_metadata"], expect["metadata"]))
                n = 1 + sum(1 for _ in walk(trace)) - 1
                check(f"{t['convention']}: span count", n - 1 >= t["spans"], (n, t["spans"]))
    finally:
        server.terminate(); server.wait(10)
    print(f"\n{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


def walk(node):
    yield node
    for c in node.get("spans", []):
        yield from walk(c)


if __name__ == "__main__":
    main()
