"""Crash test: every write the server acknowledged survives `kill -9`.

Senders post batches of traces through the Galileo route while the server is killed with SIGKILL
at a random moment; the server is restarted on the same data directory, and every trace whose
request was answered 200 must be there with its spans, tags and metadata.
Usage: kill9.py <path to the parallax binary>."""
import json, os, random, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request, uuid

KEY = "plx_crash_test_key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data, port):
    # The check reads every acknowledged trace back as fast as it can: no rate limit here.
    env = dict(os.environ, PARALLAX_INIT_API_KEY=KEY, PARALLAX_LOG="warn", PARALLAX_RATE_LIMIT_PER_SECOND="0")
    p = subprocess.Popen([binary, "serve", "--data-dir", data, "--bind", f"127.0.0.1:{port}"], env=env)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=1)
            return p
        except Exception:
            time.sleep(0.05)
    raise SystemExit("server did not start")


def call(port, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def batch(sid, n):
    traces = []
    for i in range(n):
        tid = str(uuid.uuid4())
        traces.append({"type": "trace", "id": tid, "input": "q" * 200, "output": "a" * 100, "tags": ["crash", f"b{i % 5}"],
                       "user_metadata": {"i": str(i)},
                       "spans": [{"type": "llm", "id": str(uuid.uuid4()), "model": "m", "tags": ["crash"], "user_metadata": {"i": str(i)}}]})
    return {"log_stream_id": sid, "traces": traces}


def main():
    binary = sys.argv[1]
    data = tempfile.mkdtemp(prefix="parallax-crash-")
    port = free_port()
    server = start(binary, data, port)
    pid = call(port, "POST", "/projects", {"name": "crash"})["id"]
    sid = call(port, "POST", f"/projects/{pid}/log_streams", {"name": "s"})["id"]
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def sender():
        while not stop.is_set():
            body = batch(sid, 50)
            try:
                call(port, "POST", f"/v2/projects/{pid}/traces", body)
            except Exception:
                return
            with lock:
                acknowledged.extend(t["id"] for t in body["traces"])

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(random.uniform(1.5, 3.0))
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    print(f"killed the server with SIGKILL after {len(acknowledged)} acknowledged traces")
    server = start(binary, data, port)
    try:
        stream = call(port, "GET", f"/projects/{pid}/log_streams/{sid}")
        missing = []
        for tid in acknowledged:
            try:
                t = call(port, "GET", f"/api/v1/projects/{pid}/traces/{tid}")
                if t["tags"][0] != "crash" or len(t["spans"]) != 1:
                    missing.append(tid)
            except Exception:
                missing.append(tid)
        print(f"after restart: {stream['num_traces']} traces stored, {len(missing)} acknowledged traces missing")
        ok = not missing and stream["num_traces"] >= len(acknowledged) and len(acknowledged) > 0
    finally:
        server.terminate()
        server.wait(10)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
