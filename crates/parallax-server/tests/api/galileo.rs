//! The Galileo-compatible surface: auth, projects, streams, ingestion, patches, errors.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn seed_snippet_is_stored_exactly_and_read_back() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let (body, trace_id, span_id) = seed_body(&sid);
    let reply = srv.post(&format!("/v2/projects/{pid}/traces"), body).await;
    assert_eq!(reply["records_count"], 2);
    assert_eq!(reply["traces_count"], 1);
    assert_eq!(
        reply["session_id"], trace_id,
        "an implicit session per trace"
    );

    let trace = srv
        .get(&format!("/api/v1/projects/{pid}/traces/{trace_id}"))
        .await;
    let meta = json!({"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"});
    assert_eq!(trace["tags"], json!(["newton", "test", "new-version"]));
    assert_eq!(trace["user_metadata"], meta);
    let span = &trace["spans"][0];
    assert_eq!(span["id"], span_id);
    assert_eq!(span["type"], "llm");
    assert_eq!(span["model"], "gpt-4o");
    assert_eq!(span["tags"], json!(["newton", "test", "new-version"]));
    assert_eq!(span["user_metadata"], meta);
    assert_eq!(span["parent_id"], trace_id);
    assert_eq!(
        span["metrics"]["time_to_first_token_ns"],
        Value::Null,
        "metric keys kept"
    );
    assert_eq!(span["input"][0]["role"], "system");

    let galileo = srv.get(&format!("/projects/{pid}/traces/{trace_id}")).await;
    assert_eq!(galileo, trace, "Galileo's read of a trace is the same tree");
    let span_read = srv
        .get(&format!("/v2/projects/{pid}/spans/{span_id}"))
        .await;
    assert_eq!(span_read["user_metadata"], meta);

    let streams = srv
        .get(&format!(
            "/projects/{pid}/log_streams/paginated?include_counts=false&starting_token=0&limit=500"
        ))
        .await;
    assert_eq!(streams["log_streams"][0]["num_traces"], 1);
    assert_eq!(streams["log_streams"][0]["num_spans"], 1);
}

#[tokio::test]
async fn resending_a_batch_is_idempotent() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let (body, _, _) = seed_body(&sid);
    for _ in 0..3 {
        srv.post(&format!("/v2/projects/{pid}/traces"), body.clone())
            .await;
    }
    let s = srv.get(&format!("/projects/{pid}/log_streams/{sid}")).await;
    assert_eq!(
        (s["num_traces"].as_u64(), s["num_spans"].as_u64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn project_lookup_is_exact_and_creates_answer_200() {
    let srv = TestServer::start().await;
    let (pid, _) = srv.project_and_stream("alpha", "default").await;
    srv.project_and_stream("alpha-2", "default").await;
    let found = srv.get("/projects?project_name=alpha&type=gen_ai").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], pid);
    assert_eq!(found[0]["type"], "gen_ai");
    assert_eq!(
        srv.get("/projects?project_name=Alpha&type=gen_ai").await,
        json!([])
    );
    assert_eq!(
        srv.get("/projects/all?type=gen_ai")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (status, body) = srv
        .call(Method::POST, "/projects", Some(json!({"name": "alpha"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = srv.call(Method::GET, "/ingest/healthz", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn log_stream_pagination_visits_every_stream() {
    let srv = TestServer::start().await;
    let (pid, _) = srv.project_and_stream("p", "s0").await;
    for i in 1..5 {
        srv.post(
            &format!("/projects/{pid}/log_streams"),
            json!({"name": format!("s{i}")}),
        )
        .await;
    }
    let mut names = Vec::new();
    let mut token = Some(0);
    while let Some(t) = token {
        let page = srv
            .get(&format!(
                "/projects/{pid}/log_streams/paginated?starting_token={t}&limit=2"
            ))
            .await;
        names.extend(
            page["log_streams"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_owned()),
        );
        token = page["next_starting_token"].as_u64();
        assert_eq!(page["paginated"], token.is_some());
    }
    assert_eq!(names, ["s0", "s1", "s2", "s3", "s4"]);
}

#[tokio::test]
async fn rule_breakers_are_quarantined_and_the_rest_stored() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let (mut body, trace_id, span_id) = seed_body(&sid);
    body["traces"][0]["spans"][0]["tags"][1] = json!("x".repeat(57));
    body["traces"][0]["spans"][0]["user_metadata"]["field"] = json!("y".repeat(300));
    let reply = srv.post(&format!("/v2/projects/{pid}/traces"), body).await;
    assert_eq!(reply["records_count"], 1);
    let q = &reply["quarantined"][0];
    assert_eq!(q["id"], span_id);
    assert_eq!(q["violations"][0]["path"], "traces[0].spans[0].tags[1]");
    assert_eq!(
        q["violations"][0]["message"],
        "tag is 57 characters; the limit is 50"
    );
    assert_eq!(
        q["violations"][1]["message"],
        "metadata value is 300 characters; the limit is 256"
    );

    let listed = srv
        .get(&format!(
            "/api/v1/projects/{pid}/quarantine?log_stream_id={sid}"
        ))
        .await;
    let entry = &listed["quarantined"][0];
    assert_eq!(entry["record_id"], span_id);
    assert_eq!(
        entry["record"]["tags"][1],
        "x".repeat(57),
        "kept as sent, not truncated"
    );
    let trace = srv
        .get(&format!("/api/v1/projects/{pid}/traces/{trace_id}"))
        .await;
    assert_eq!(
        trace["spans"],
        json!([]),
        "the valid trace is stored without the quarantined span"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let srv = TestServer::start_with(|c| c.max_body_bytes = 64 * 1024).await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let url = format!("{}/v2/projects/{pid}/traces", srv.url);
    let send = |body: String| {
        srv.http
            .post(&url)
            .bearer_auth(&srv.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let r = send("{\"traces\": [".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("malformed JSON body"));

    let (mut body, _, _) = seed_body(&sid);
    body["traces"][0]["spans"][0]["status_code"] = json!("fine");
    let r = send(body.to_string()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail: Value = r.json().await.unwrap();
    assert_eq!(
        detail["detail"],
        "traces[0].spans[0].status_code: expected an integer, found a string"
    );

    let r = send(format!(
        "{{\"log_stream_id\": \"{sid}\", \"traces\": [], \"pad\": \"{}\"}}",
        "x".repeat(70 * 1024)
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let (status, _) = srv.call(Method::GET, "/projects/not-a-uuid", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let s = srv.get(&format!("/projects/{pid}/log_streams/{sid}")).await;
    assert_eq!(
        s["num_traces"], 0,
        "nothing was stored by the rejected requests"
    );
}

#[tokio::test]
async fn credentials_are_required_and_scoped() {
    let srv = TestServer::start().await;
    let (pid, _) = srv.project_and_stream("p", "s").await;
    let r = srv
        .http
        .get(format!("{}/projects/{pid}", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("missing credentials"));
    let r = srv
        .http
        .get(format!("{}/projects/{pid}", srv.url))
        .bearer_auth("a.b.c")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = srv
        .http
        .post(format!("{}/login/api_key", srv.url))
        .json(&json!({"api_key": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = srv
        .http
        .get(format!("{}/projects/{pid}", srv.url))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "a raw key works too");
}

#[tokio::test]
async fn distributed_mode_accepts_out_of_order_spans_and_patches() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let trace_id = uuid::Uuid::new_v4().to_string();
    let wf = uuid::Uuid::new_v4().to_string();
    let llm = uuid::Uuid::new_v4().to_string();
    let span = |id: &str, kind: &str| {
        json!({"type": kind, "id": id, "name": kind, "input": "in", "output": null,
        "created_at": "2026-12-03T16:25:26.724248Z", "user_metadata": {}, "tags": [], "metrics": {"duration_ns": null},
        "trace_id": null, "parent_id": null, "session_id": null, "spans": []})
    };
    // The child arrives before its workflow parent, and both before the trace.
    srv.post(&format!("/v2/projects/{pid}/spans"), json!({"log_stream_id": sid, "spans": [span(&llm, "llm")], "trace_id": trace_id, "parent_id": wf, "reliable": true})).await;
    srv.post(&format!("/v2/projects/{pid}/spans"), json!({"log_stream_id": sid, "spans": [span(&wf, "workflow")], "trace_id": trace_id, "parent_id": trace_id})).await;
    srv.call(Method::PATCH, &format!("/v2/projects/{pid}/traces/{trace_id}"), Some(json!({"log_stream_id": sid, "trace_id": trace_id, "output": "dist output", "tags": ["dist"], "is_complete": true, "duration_ns": 123}))).await;
    srv.post(&format!("/v2/projects/{pid}/traces"), json!({"log_stream_id": sid, "is_complete": false, "reliable": true, "traces": [
        {"type": "trace", "id": trace_id, "input": "dist input", "tags": ["dist"], "user_metadata": {"a": "1"}, "spans": []}]})).await;
    let (status, _) = srv.call(Method::PATCH, &format!("/v2/projects/{pid}/spans/{wf}"), Some(json!({"log_stream_id": sid, "span_id": wf, "output": "wf out", "tags": [], "duration_ns": 7}))).await;
    assert_eq!(status, StatusCode::OK);

    let trace = srv
        .get(&format!("/api/v1/projects/{pid}/traces/{trace_id}"))
        .await;
    assert_eq!(
        trace["output"], "dist output",
        "the early PATCH was applied when the trace arrived"
    );
    assert_eq!(trace["metrics"]["duration_ns"], 123);
    assert_eq!(trace["is_complete"], true);
    assert_eq!(trace["user_metadata"]["a"], "1");
    let wf_json = &trace["spans"][0];
    assert_eq!(wf_json["id"], wf);
    assert_eq!(wf_json["output"], "wf out");
    assert_eq!(
        wf_json["spans"][0]["id"], llm,
        "the early child hangs under its parent"
    );
}

#[tokio::test]
async fn sessions_are_found_by_external_id() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let made = srv.post(&format!("/v2/projects/{pid}/sessions"), json!({"log_stream_id": sid, "name": "chat-1", "external_id": "conv-42", "user_metadata": {"user": "u1"}, "previous_session_id": null, "experiment_id": null})).await;
    let search = json!({"log_stream_id": sid, "experiment_id": null, "filters": [{"type": "text", "name": "external_id", "value": "conv-42", "operator": "eq"}]});
    let found = srv
        .post(&format!("/v2/projects/{pid}/sessions/search"), search)
        .await;
    assert_eq!(found["records"][0]["id"], made["id"]);
    let id = made["id"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(id).unwrap().get_version_num(),
        4,
        "the SDK requires UUIDv4"
    );
}

#[tokio::test]
async fn a_key_limited_to_one_project_cannot_see_another() {
    let srv = TestServer::start().await;
    let (pa, sa) = srv.project_and_stream("a", "s").await;
    let (pb, _) = srv.project_and_stream("b", "s").await;
    let key = {
        use parallax_store::ControlStore;
        let store = parallax_store_sqlite::SqliteStore::open(srv.dir.path()).unwrap();
        let key = parallax_server::auth::generate_key();
        store
            .create_api_key(parallax_store::NewApiKey {
                name: "only a".into(),
                prefix: parallax_server::auth::key_prefix(&key),
                hash: parallax_server::auth::hash_key(&key),
                role: parallax_store::Role::Annotator,
                projects: Some(vec![pa.parse().unwrap()]),
            })
            .unwrap();
        key
    };
    let get = |path: String| {
        srv.http
            .get(format!("{}{path}", srv.url))
            .header("x-api-key", &key)
            .send()
    };
    assert_eq!(
        get(format!("/projects/{pa}")).await.unwrap().status(),
        StatusCode::OK
    );
    let r = get(format!("/projects/{pb}")).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "another project's data is not found, not forbidden"
    );
    assert_eq!(
        get(format!("/projects/{pb}/log_streams"))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let listed: Value = get("/projects/all?type=gen_ai".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "listings show only the key's projects"
    );
    let (body, _, _) = seed_body(&sa);
    let r = srv
        .http
        .post(format!("{}/v2/projects/{pb}/traces", srv.url))
        .header("x-api-key", &key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = srv
        .http
        .post(format!("{}/projects", srv.url))
        .header("x-api-key", &key)
        .json(&json!({"name": "c"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a limited key cannot create projects"
    );
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let srv = TestServer::start_with(|c| c.rate_limit_per_second = 2).await;
    let url = format!("{}/projects/all", srv.url);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            srv.http
                .get(&url)
                .header("x-api-key", KEY)
                .send()
                .await
                .unwrap(),
        );
    }
    let limited = statuses
        .into_iter()
        .find(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .expect("the burst runs out");
    assert_eq!(limited.headers()["retry-after"], "1");
    let body: Value = limited.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("over its limit of 2 requests per second"),
        "{body}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = srv
        .http
        .get(&url)
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the bucket refills");
}

/// Ingest waits for one of the server's ingest slots: while a test holds them all, a batch is
/// not stored; once they are free it is, and many more simultaneous requests than slots are
/// each stored and answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_waits_for_a_slot_and_every_waiting_request_lands() {
    let (srv, state) = TestServer::start_with_state(|_| {}).await;
    let srv = std::sync::Arc::new(srv);
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let slots = parallax_server::state::ingest_slots();
    assert_eq!(state.ingest_slots.available_permits(), slots);

    let held = state.ingest_slots.acquire_many(slots as u32).await.unwrap();
    let (body, _, _) = seed_body(&sid);
    let blocked = {
        let (srv, path) = (srv.clone(), format!("/v2/projects/{pid}/traces"));
        tokio::spawn(async move { srv.post(&path, body).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!blocked.is_finished(), "ingest went ahead without a slot");
    let s = srv.get(&format!("/projects/{pid}/log_streams/{sid}")).await;
    assert_eq!(
        s["num_traces"], 0,
        "nothing is stored while the slots are held"
    );
    drop(held);
    assert_eq!(blocked.await.unwrap()["records_count"], 2);

    let senders = 4 * slots;
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (srv, pid, sid) = (srv.clone(), pid.clone(), sid.clone());
        tasks.push(tokio::spawn(async move {
            let (body, _, _) = seed_body(&sid);
            let out = srv.post(&format!("/v2/projects/{pid}/traces"), body).await;
            assert_eq!(out["records_count"], 2, "{out}");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let s = srv.get(&format!("/projects/{pid}/log_streams/{sid}")).await;
    let expected = senders as u64 + 1;
    assert_eq!(
        (s["num_traces"].as_u64(), s["num_spans"].as_u64()),
        (Some(expected), Some(expected))
    );
    assert_eq!(
        state.ingest_slots.available_permits(),
        slots,
        "every slot is given back"
    );
}
