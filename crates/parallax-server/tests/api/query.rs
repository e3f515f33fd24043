//! The query surfaces: native search/count/aggregate in the text language, Galileo search with
//! filter objects, available columns and export, checked against values computed here.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// (trace id, tags, field, experimentNumber, duration_ns, status)
type Row = (String, Vec<String>, String, i64, i64, i64);

struct Generated {
    pid: String,
    sid: String,
    traces: Vec<Row>,
}

/// Ingests `n` generated traces with known tags, metadata, durations and statuses.
async fn generate(srv: &TestServer, n: usize) -> Generated {
    let (pid, sid) = srv.project_and_stream("q", "s").await;
    let fields = ["physics", "chemistry", "biology"];
    let mut traces = Vec::new();
    let mut batch = Vec::new();
    for i in 0..n {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tags = vec![format!("t{}", i % 7)];
        if i % 3 == 0 {
            tags.push("newton".into());
        }
        let field = fields[i % fields.len()].to_string();
        let exp = (i % 50) as i64;
        let duration = 1_000 + (i as i64 * 7919) % 100_000;
        let status = if i % 10 == 0 { 500 } else { 200 };
        batch.push(json!({
            "type": "trace", "id": id, "name": format!("trace {i}"), "input": format!("question {i} about newton"),
            "output": "answer", "created_at": format!("2026-12-01T00:{:02}:{:02}.{:06}Z", (i / 60) % 60, i % 60, i),
            "tags": tags, "user_metadata": {"field": field, "experimentNumber": exp.to_string()},
            "status_code": status, "metrics": {"duration_ns": duration},
            "spans": [{"type": "llm", "id": uuid::Uuid::new_v4().to_string(), "model": if i % 2 == 0 {"gpt-4o"} else {"gpt-4o-mini"},
                       "tags": tags, "user_metadata": {"field": field}, "metrics": {"duration_ns": duration / 2, "num_input_tokens": 10, "num_output_tokens": 5}}]
        }));
        traces.push((id, tags, field, exp, duration, status));
        if batch.len() == 100 {
            srv.post(
                &format!("/v2/projects/{pid}/traces"),
                json!({"log_stream_id": sid, "traces": batch}),
            )
            .await;
            batch = Vec::new();
        }
    }
    if !batch.is_empty() {
        srv.post(
            &format!("/v2/projects/{pid}/traces"),
            json!({"log_stream_id": sid, "traces": batch}),
        )
        .await;
    }
    Generated { pid, sid, traces }
}

async fn search_all(srv: &TestServer, g: &Generated, q: &str, root: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = srv
            .post(&format!("/api/v1/projects/{}/search", g.pid), json!({"log_stream_id": g.sid, "root": root, "q": q, "limit": 97, "cursor": cursor}))
            .await;
        out.extend(page["records"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn ids(records: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn text_queries_return_exactly_the_matching_records() {
    let srv = TestServer::start().await;
    let g = generate(&srv, 600).await;
    let expect = |pred: &dyn Fn(&Row) -> bool| {
        let mut v: Vec<String> = g
            .traces
            .iter()
            .filter(|t| pred(t))
            .map(|t| t.0.clone())
            .collect();
        v.sort();
        v
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            r#"tag:newton and metadata.field = "physics""#,
            expect(&|t| t.1.contains(&"newton".into()) && t.2 == "physics"),
        ),
        ("tag:t3", expect(&|t| t.1.contains(&"t3".into()))),
        (
            "not tag:newton",
            expect(&|t| !t.1.contains(&"newton".into())),
        ),
        (
            "tag in (t1, t2)",
            expect(&|t| t.1.contains(&"t1".into()) || t.1.contains(&"t2".into())),
        ),
        ("metadata.experimentNumber > 25", expect(&|t| t.3 > 25)),
        ("metadata.field != physics", expect(&|t| t.2 != "physics")),
        (
            "status_code >= 400 and metadata.field = biology",
            expect(&|t| t.5 >= 400 && t.2 == "biology"),
        ),
        ("duration > 50us", expect(&|t| t.4 > 50_000)),
        (
            "has(metadata.experimentNumber) and (tag:t0 or tag:t6)",
            expect(&|t| t.1.contains(&"t0".into()) || t.1.contains(&"t6".into())),
        ),
        ("metadata.nobody_logged_this = x", vec![]),
        (
            "tag:newton and tag:t3 and metadata.field = chemistry",
            expect(&|t| {
                t.1.contains(&"newton".into()) && t.1.contains(&"t3".into()) && t.2 == "chemistry"
            }),
        ),
        ("tag:newton and tag:nobody", vec![]),
        (r#"input ~ "QUESTION 12""#, expect(&|t| t.0.is_empty())),
    ];
    for (q, want) in cases {
        let got = search_all(&srv, &g, q, "trace").await;
        if q.starts_with("input") {
            assert_eq!(got.len(), 11, "{q}: question 12, 120..129");
            continue;
        }
        assert_eq!(ids(&got), want, "query {q}");
        let n = srv
            .post(
                &format!("/api/v1/projects/{}/count", g.pid),
                json!({"log_stream_id": g.sid, "q": q}),
            )
            .await;
        assert_eq!(
            n["count"].as_u64().unwrap() as usize,
            want.len(),
            "count of {q}"
        );
    }
    let newest = srv
        .post(
            &format!("/api/v1/projects/{}/search", g.pid),
            json!({"log_stream_id": g.sid, "q": "tag:newton", "limit": 5}),
        )
        .await;
    let times: Vec<&str> = newest["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["created_at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    let spans = search_all(&srv, &g, r#"model = "gpt-4o" and tag:newton"#, "span").await;
    assert_eq!(
        spans.len(),
        g.traces
            .iter()
            .enumerate()
            .filter(|(i, t)| i % 2 == 0 && t.1.contains(&"newton".into()))
            .count()
    );
}

#[tokio::test]
async fn group_by_metadata_matches_values_computed_independently() {
    let srv = TestServer::start().await;
    let g = generate(&srv, 500).await;
    let agg = srv
        .post(&format!("/api/v1/projects/{}/aggregate", g.pid), json!({"log_stream_id": g.sid, "root": "trace", "q": "", "group_by": "metadata.field", "top": 10}))
        .await;
    for group in agg["groups"].as_array().unwrap() {
        let key = group["key"].as_str().unwrap();
        let mut durations: Vec<i64> = g
            .traces
            .iter()
            .filter(|t| t.2 == key)
            .map(|t| t.4)
            .collect();
        durations.sort();
        let errors = g.traces.iter().filter(|t| t.2 == key && t.5 >= 400).count();
        assert_eq!(
            group["count"].as_u64().unwrap() as usize,
            durations.len(),
            "count of {key}"
        );
        assert!(
            (group["error_rate"].as_f64().unwrap() - errors as f64 / durations.len() as f64).abs()
                < 1e-9
        );
        let rank = |q: f64| durations[((q * durations.len() as f64).ceil() as usize).max(1) - 1];
        assert_eq!(
            group["latency_ns"]["p50"].as_i64().unwrap(),
            rank(0.5),
            "p50 of {key}"
        );
        assert_eq!(
            group["latency_ns"]["p95"].as_i64().unwrap(),
            rank(0.95),
            "p95 of {key}"
        );
    }
    let capped = srv
        .post(&format!("/api/v1/projects/{}/aggregate", g.pid), json!({"log_stream_id": g.sid, "root": "span", "q": "tag:newton", "group_by": "tag", "top": 2}))
        .await;
    assert_eq!(capped["groups"].as_array().unwrap().len(), 2);
    assert_eq!(capped["groups"][0]["key"], "newton");
    let total: u64 = capped["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["count"].as_u64().unwrap())
        .sum::<u64>()
        + capped["other"]["count"].as_u64().unwrap();
    let newton = g
        .traces
        .iter()
        .filter(|t| t.1.contains(&"newton".into()))
        .count() as u64;
    assert_eq!(
        total,
        newton * 2,
        "every tag row of the newton spans is in a group or other"
    );
    assert_eq!(
        capped["groups"][0]["tokens"]["input"].as_i64().unwrap(),
        newton as i64 * 10
    );
}

#[tokio::test]
async fn bad_queries_say_where_and_what() {
    let srv = TestServer::start().await;
    let g = generate(&srv, 3).await;
    let (status, body) = srv
        .call(
            Method::POST,
            &format!("/api/v1/projects/{}/search", g.pid),
            Some(json!({"log_stream_id": g.sid, "q": "metadata.field ="})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("q: at 16: expected a value"),
        "{body}"
    );
    let (status, body) = srv
        .call(
            Method::POST,
            &format!("/api/v1/projects/{}/search", g.pid),
            Some(json!({"log_stream_id": g.sid, "q": "colour = red"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["detail"].as_str().unwrap().contains("metadata."),
        "lists the fields that exist: {body}"
    );
}

#[tokio::test]
async fn galileo_search_columns_and_export() {
    let srv = TestServer::start().await;
    let g = generate(&srv, 120).await;
    let body = json!({"starting_token": 0, "limit": 25, "log_stream_id": g.sid, "experiment_id": null,
        "filters": [{"type": "collection", "column_id": "tags", "operator": "contains", "value": "newton"},
                    {"type": "text", "column_id": "user_metadata.field", "operator": "eq", "value": "physics"}],
        "sort": {"column_id": "created_at", "ascending": false, "sort_type": "column"}});
    let want = g
        .traces
        .iter()
        .filter(|t| t.1.contains(&"newton".into()) && t.2 == "physics")
        .count();
    let mut seen = 0;
    let mut token = Some(0u64);
    while let Some(t) = token {
        let mut b = body.clone();
        b["starting_token"] = json!(t);
        let page = srv
            .post(&format!("/projects/{}/traces/search", g.pid), b)
            .await;
        for r in page["records"].as_array().unwrap() {
            assert_eq!(r["type"], "trace");
            assert_eq!(r["run_id"], g.sid.as_str());
            assert_eq!(r["user_metadata"]["field"], "physics");
            seen += 1;
        }
        token = page["next_starting_token"].as_u64();
    }
    assert_eq!(seen, want);
    let cols = srv
        .post(
            &format!("/projects/{}/traces/available_columns", g.pid),
            json!({"log_stream_id": g.sid}),
        )
        .await;
    let ids: Vec<&str> = cols["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"user_metadata.field")
            && ids.contains(&"user_metadata.experimentNumber")
            && ids.contains(&"tags"),
        "{ids:?}"
    );

    let resp = srv.http.post(format!("{}/projects/{}/export_records", srv.url, g.pid)).bearer_auth(&srv.token)
        .json(&json!({"root_type": "trace", "export_format": "csv", "log_stream_id": g.sid, "filters": body["filters"]}))
        .send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().contains("user_metadata.field"));
    assert_eq!(lines.count(), want);
    let resp = srv
        .http
        .post(format!("{}/api/v1/projects/{}/export", srv.url, g.pid))
        .bearer_auth(&srv.token)
        .json(&json!({"log_stream_id": g.sid, "q": "tag:t1", "format": "jsonl"}))
        .send()
        .await
        .unwrap();
    let jsonl = resp.text().await.unwrap();
    assert_eq!(
        jsonl.lines().count(),
        g.traces
            .iter()
            .filter(|t| t.1.contains(&"t1".into()))
            .count()
    );
    assert!(jsonl
        .lines()
        .all(|l| serde_json::from_str::<Value>(l).unwrap()["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("t1"))));
}

#[tokio::test]
async fn the_openapi_document_lists_every_native_route() {
    let srv = TestServer::start().await;
    let doc = srv.get("/api/v1/openapi.json").await;
    let source = include_str!("../../src/routes/api/mod.rs");
    for line in source.lines().filter(|l| l.contains(".route(\"/api/v1/")) {
        let path = line
            .split('"')
            .nth(1)
            .unwrap()
            .replace("{pid}", "{project_id}");
        if path.ends_with("openapi.json") {
            continue;
        }
        let known = doc["paths"].as_object().unwrap().keys().any(|k| {
            let a: Vec<&str> = k.split('/').collect();
            let b: Vec<&str> = path.split('/').collect();
            a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x == y || (x.starts_with('{') && y.starts_with('{')))
        });
        assert!(known, "{path} is missing from openapi.json");
    }
}
