//! Review after ingestion: annotations with provenance, history, undo, bulk jobs by filter,
//! registries, roles.

use crate::helpers::*;
use parallax_store::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn count(srv: &TestServer, pid: &str, sid: &str, q: &str) -> u64 {
    srv.post(
        &format!("/api/v1/projects/{pid}/count"),
        json!({"log_stream_id": sid, "q": q}),
    )
    .await["count"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn one_annotation_with_history_and_undo() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let (body, trace_id, _) = seed_body(&sid);
    srv.post(&format!("/v2/projects/{pid}/traces"), body).await;
    let out = srv
        .post(
            &format!("/api/v1/projects/{pid}/annotations"),
            json!({"record_id": trace_id, "op": "add_tag", "key": "grammar_error"}),
        )
        .await;
    let event = &out["events"][0];
    assert_eq!(event["source"], "api");
    assert!(event["actor"].as_str().unwrap().starts_with("key:"));
    srv.post(&format!("/api/v1/projects/{pid}/annotations"), json!({"record_id": trace_id, "ops": [{"op": "set_metadata", "key": "promptVersion", "value": "0.0.3"}]})).await;
    assert_eq!(
        count(
            &srv,
            &pid,
            &sid,
            r#"tag:grammar_error and metadata.promptVersion = "0.0.3""#
        )
        .await,
        1
    );
    let hist = srv
        .get(&format!(
            "/api/v1/projects/{pid}/records/{trace_id}/annotations"
        ))
        .await;
    assert_eq!(hist["events"].as_array().unwrap().len(), 2);
    assert_eq!(hist["events"][1]["previous"], "0.0.1");
    let undo = srv
        .post(
            &format!(
                "/api/v1/projects/{pid}/annotations/{}/undo",
                hist["events"][1]["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(undo["undoes"], hist["events"][1]["id"]);
    assert_eq!(
        count(&srv, &pid, &sid, r#"metadata.promptVersion = "0.0.1""#).await,
        1,
        "the trace is back to its logged value"
    );

    let (status, body) = srv
        .call(
            Method::POST,
            &format!("/api/v1/projects/{pid}/annotations"),
            Some(json!({"record_id": trace_id, "op": "add_tag", "key": "x".repeat(51)})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["detail"],
        ".key: tag is 51 characters; the limit is 50"
    );

    // Galileo's update PATCH turns the tag difference into events with source api.
    let (status, _) = srv
        .call(
            Method::PATCH,
            &format!("/projects/{pid}/traces/{trace_id}"),
            Some(json!({"tags": ["newton", "reviewed"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let hist = srv
        .get(&format!(
            "/api/v1/projects/{pid}/records/{trace_id}/annotations"
        ))
        .await;
    let ops: Vec<String> = hist["events"]
        .as_array()
        .unwrap()
        .iter()
        .skip(3)
        .map(|e| {
            format!(
                "{} {}",
                e["op"].as_str().unwrap(),
                e["key"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            "remove_tag test",
            "remove_tag new-version",
            "remove_tag grammar_error",
            "add_tag reviewed"
        ]
    );
    assert_eq!(hist["tags"], json!(["newton", "reviewed"]));
}

async fn wait_done(srv: &TestServer, pid: &str, job: &str) -> Value {
    for _ in 0..200 {
        let j = srv
            .get(&format!("/api/v1/projects/{pid}/bulk-annotations/{job}"))
            .await;
        if j["state"] != "running" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("job {job} did not finish");
}

#[tokio::test]
async fn bulk_by_filter_with_dry_run_and_undo() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let traces: Vec<Value> = (0..300)
        .map(|i| json!({"type": "trace", "id": uuid::Uuid::new_v4().to_string(), "tags": if i % 10 == 0 { json!(["reviewed"]) } else { json!([]) },
                        "user_metadata": {"promptVersion": if i % 2 == 0 { "0.0.3" } else { "0.0.2" }}}))
        .collect();
    srv.post(
        &format!("/v2/projects/{pid}/traces"),
        json!({"log_stream_id": sid, "traces": traces}),
    )
    .await;
    let q = r#"metadata.promptVersion = "0.0.3" and not tag:reviewed"#;
    let ops =
        json!([{"op": "add_tag", "key": "label_mismatch"}, {"op": "add_tag", "key": "reviewed"}]);
    let dry = srv
        .post(
            &format!("/api/v1/projects/{pid}/bulk-annotations"),
            json!({"log_stream_id": sid, "q": q, "ops": ops, "dry_run": true}),
        )
        .await;
    assert_eq!(dry["matching"], 120);
    assert_eq!(dry["sample"].as_array().unwrap().len(), 10);
    assert_eq!(
        count(&srv, &pid, &sid, "tag:label_mismatch").await,
        0,
        "a dry run changes nothing"
    );

    let job = srv
        .post(
            &format!("/api/v1/projects/{pid}/bulk-annotations"),
            json!({"log_stream_id": sid, "q": q, "ops": ops}),
        )
        .await;
    let done = wait_done(&srv, &pid, job["id"].as_str().unwrap()).await;
    assert_eq!(
        (
            done["state"].as_str(),
            done["total"].as_u64(),
            done["done"].as_u64()
        ),
        (Some("done"), Some(120), Some(120))
    );
    assert_eq!(
        count(&srv, &pid, &sid, "tag:label_mismatch and tag:reviewed").await,
        120
    );
    assert_eq!(count(&srv, &pid, &sid, q).await, 0);
    let one = srv
        .post(
            &format!("/api/v1/projects/{pid}/search"),
            json!({"log_stream_id": sid, "q": "tag:label_mismatch", "limit": 1}),
        )
        .await;
    let id = one["records"][0]["id"].as_str().unwrap();
    let hist = srv
        .get(&format!("/api/v1/projects/{pid}/records/{id}/annotations"))
        .await;
    assert_eq!(
        hist["events"][0]["source"],
        format!("bulk:{}", job["id"].as_str().unwrap()),
        "who and where is on every record"
    );

    let undo = srv
        .post(
            &format!(
                "/api/v1/projects/{pid}/bulk-annotations/{}/undo",
                job["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    let undone = wait_done(&srv, &pid, undo["id"].as_str().unwrap()).await;
    assert_eq!(undone["state"], "done");
    assert_eq!(count(&srv, &pid, &sid, "tag:label_mismatch").await, 0);
    assert_eq!(
        count(&srv, &pid, &sid, "tag:reviewed").await,
        30,
        "the tags that were there before stay"
    );
    assert_eq!(
        count(&srv, &pid, &sid, q).await,
        120,
        "everything is as before"
    );
    let again = srv
        .get(&format!(
            "/api/v1/projects/{pid}/bulk-annotations/{}",
            job["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(again["state"], "undone");
}

#[tokio::test]
async fn registries_warn_about_near_duplicates_and_rename_is_undoable() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let traces: Vec<Value> = ["Physics", "physics", "physics"]
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"type": "trace", "id": uuid::Uuid::new_v4().to_string(), "tags": [t],
            "user_metadata": if i == 0 { json!({"user_id": "1"}) } else { json!({"userId": "2", "UserID": "3"}) }}))
        .collect();
    srv.post(
        &format!("/v2/projects/{pid}/traces"),
        json!({"log_stream_id": sid, "traces": traces}),
    )
    .await;
    let tags = srv
        .get(&format!(
            "/api/v1/projects/{pid}/registry/tags?log_stream_id={sid}"
        ))
        .await;
    assert_eq!(tags["warnings"][0]["tags"], json!(["physics", "Physics"]));
    let keys = srv
        .get(&format!(
            "/api/v1/projects/{pid}/registry/metadata-keys?log_stream_id={sid}"
        ))
        .await;
    assert_eq!(
        keys["warnings"][0]["keys"].as_array().unwrap().len(),
        3,
        "{keys}"
    );
    let (status, _) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/projects/{pid}/registry/tags/physics"),
            Some(json!({"description": "physics questions", "colour": "#1f77b4"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = srv
        .call(
            Method::PUT,
            &format!(
                "/api/v1/projects/{pid}/registry/metadata-keys/{}",
                "k".repeat(300)
            ),
            Some(json!({"description": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["detail"],
        "key: metadata key is 300 characters; the limit is 256"
    );
    let (status, body) = srv
        .call(
            Method::POST,
            &format!("/api/v1/projects/{pid}/aggregate"),
            Some(json!({"log_stream_id": sid, "root": "session", "group_by": "tag"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "root: aggregate over traces or spans, not sessions"
    );

    let job = srv
        .post(
            &format!("/api/v1/projects/{pid}/registry/tags/Physics/rename"),
            json!({"log_stream_id": sid, "to": "physics"}),
        )
        .await;
    wait_done(&srv, &pid, job["id"].as_str().unwrap()).await;
    assert_eq!(count(&srv, &pid, &sid, "tag:physics").await, 3, "merged");
    assert_eq!(count(&srv, &pid, &sid, "tag:Physics").await, 0);
    let tags = srv
        .get(&format!(
            "/api/v1/projects/{pid}/registry/tags?log_stream_id={sid}"
        ))
        .await;
    assert_eq!(tags["warnings"], json!([]));
    assert_eq!(tags["tags"][0]["description"], "physics questions");
    let undo = srv
        .post(
            &format!(
                "/api/v1/projects/{pid}/bulk-annotations/{}/undo",
                job["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    wait_done(&srv, &pid, undo["id"].as_str().unwrap()).await;
    assert_eq!(
        count(&srv, &pid, &sid, "tag:Physics").await,
        1,
        "the rename is undone"
    );
}

#[tokio::test]
async fn viewers_may_read_but_not_annotate() {
    let srv = TestServer::start().await;
    let (pid, sid) = srv.project_and_stream("p", "s").await;
    let (body, trace_id, _) = seed_body(&sid);
    srv.post(&format!("/v2/projects/{pid}/traces"), body).await;
    let viewer = srv.key_with_role(Role::Viewer);
    let r = srv
        .http
        .post(format!("{}/api/v1/projects/{pid}/annotations", srv.url))
        .header("x-api-key", &viewer)
        .json(&json!({"record_id": trace_id, "op": "add_tag", "key": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = srv
        .http
        .post(format!(
            "{}/api/v1/projects/{pid}/bulk-annotations",
            srv.url
        ))
        .header("x-api-key", &viewer)
        .json(&json!({"log_stream_id": sid, "q": "", "ops": [{"op": "add_tag", "key": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = srv
        .http
        .post(format!("{}/api/v1/projects/{pid}/search", srv.url))
        .header("x-api-key", &viewer)
        .json(&json!({"log_stream_id": sid, "q": "tag:newton"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "viewers read");
    let annotator = srv.key_with_role(Role::Annotator);
    let r = srv
        .http
        .post(format!("{}/api/v1/projects/{pid}/annotations", srv.url))
        .header("x-api-key", &annotator)
        .json(&json!({"record_id": trace_id, "op": "add_tag", "key": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "annotators annotate");
}
