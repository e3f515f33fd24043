//! Export a filtered slice to JSONL and import it into another stream (ids mapped, since ids
//! are unique per server) and into another server (ids kept); compare field by field.

use crate::helpers::{log_seed, TestServer};
use parallax_client::Logger;
use parallax_server::routes::api::import::copy_id;
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// The seed trace, a nested tagged trace, and a trace the filter leaves out.
async fn log_slice(logger: &Logger) {
    log_seed(logger).await;
    logger
        .start_trace("plan a trip")
        .tags(["newton", "nested"])
        .meta("field", "travel")
        .start()
        .unwrap();
    logger
        .add_workflow_span("plan")
        .name("planner")
        .tag("wf")
        .add()
        .unwrap();
    logger
        .add_tool_span("{\"city\": \"Paris\"}", "{\"temp\": 21}")
        .tool_call_id("call_1")
        .add()
        .unwrap();
    logger
        .add_llm_span("hi", "It is 21C")
        .model("gpt-4o")
        .input_tokens(10)
        .meta("k", "v")
        .add()
        .unwrap();
    logger.conclude("planned").unwrap();
    logger.conclude("done").unwrap();
    logger
        .start_trace("left out")
        .tags(["other"])
        .start()
        .unwrap();
    logger.conclude("x").unwrap();
    logger.flush().await.unwrap();
}

fn id(v: &Value, field: &str) -> Option<Uuid> {
    v[field].as_str().map(|s| Uuid::parse_str(s).unwrap())
}

/// The fields a record keeps through export and import (everything but where it is stored).
fn content(v: &Value) -> Value {
    let mut v = v.clone();
    for k in [
        "id",
        "trace_id",
        "parent_id",
        "session_id",
        "project_id",
        "run_id",
        "log_stream_id",
    ] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

async fn export_slice(server: &TestServer, dir: &std::path::Path) -> String {
    let run = server
        .parallax_in(
            &[
                "export",
                "--format",
                "jsonl",
                "tag:newton",
                "-o",
                "slice.jsonl",
            ],
            Some(dir),
        )
        .await
        .ok();
    assert_eq!(
        run.stderr,
        "exported 2 traces and 4 spans from default/default to slice.jsonl\n"
    );
    std::fs::read_to_string(dir.join("slice.jsonl")).unwrap()
}

#[tokio::test]
async fn a_slice_exported_and_imported_into_another_stream_is_the_same_tree() {
    let server = TestServer::start().await;
    let logger = server.logger("default", "default").await;
    log_slice(&logger).await;
    let project = logger.target().project_id;
    let dir = tempfile::tempdir().unwrap();
    let slice = export_slice(&server, dir.path()).await;
    assert_eq!(slice.lines().count(), 6);

    let run = server
        .parallax_in(
            &["import", "slice.jsonl", "--log-stream", "copy"],
            Some(dir.path()),
        )
        .await
        .ok();
    assert!(
        run.stderr.contains(
            ": 6 written, 0 duplicates (already present, updated in place), 0 quarantined\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "6 records came from another log stream of this server and were copied under new ids"
        ),
        "{}",
        run.stderr
    );

    let copy_stream = server
        .get(&format!("/projects/{project}/log_streams"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "copy")
        .unwrap()["id"]
        .clone();
    let copy_stream = Uuid::parse_str(copy_stream.as_str().unwrap()).unwrap();
    let originals = server.records(project, "default").await;
    let copies: HashMap<Uuid, Value> = server
        .records(project, "copy")
        .await
        .into_iter()
        .map(|c| (id(&c, "id").unwrap(), c))
        .collect();
    assert_eq!(originals.len(), 7, "the source stream keeps every record");
    assert_eq!(copies.len(), 6);
    let mut compared = 0;
    for r in originals
        .iter()
        .filter(|r| slice.contains(r["id"].as_str().unwrap()))
    {
        let map = |field| id(r, field).map(|u| copy_id(copy_stream, u));
        let c = &copies[&map("id").unwrap()];
        assert_eq!(content(c), content(r), "record {}", r["id"]);
        assert_eq!(id(c, "trace_id"), map("trace_id"));
        assert_eq!(id(c, "parent_id"), map("parent_id"));
        assert_eq!(id(c, "session_id"), map("session_id"));
        assert_eq!(c["log_stream_id"], copy_stream.to_string());
        compared += 1;
    }
    assert_eq!(compared, 6);

    let run = server
        .parallax(&["query", "tag:newton", "--log-stream", "copy"])
        .await
        .ok();
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    let header: Vec<&str> = run
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    for column in ["tags", "field", "experimentNumber", "promptVersion"] {
        assert!(header.contains(&column), "{}", run.stdout);
    }
}

#[tokio::test]
async fn a_slice_imported_into_another_server_keeps_every_id_and_field() {
    let (a, b) = (TestServer::start().await, TestServer::start().await);
    let logger = a.logger("default", "default").await;
    log_slice(&logger).await;
    let dir = tempfile::tempdir().unwrap();
    let slice = export_slice(&a, dir.path()).await;
    let file = dir.path().join("slice.jsonl");
    let run = b
        .parallax(&["import", file.to_str().unwrap(), "--log-stream", "copy"])
        .await
        .ok();
    assert!(
        run.stderr.contains(": 6 written, 0 duplicates"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("new ids"), "{}", run.stderr);

    let project_b = Uuid::parse_str(
        b.get("/projects?project_name=default").await[0]["id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let copies: HashMap<String, Value> = b
        .records(project_b, "copy")
        .await
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c))
        .collect();
    let originals: Vec<Value> = a.records(logger.target().project_id, "default").await;
    let mut compared = 0;
    for r in originals
        .iter()
        .filter(|r| slice.contains(r["id"].as_str().unwrap()))
    {
        let c = &copies[r["id"].as_str().unwrap()];
        for k in ["trace_id", "parent_id", "session_id"] {
            assert_eq!(c[k], r[k], "{k} of {}", r["id"]);
        }
        assert_eq!(content(c), content(r));
        compared += 1;
    }
    assert_eq!(compared, 6);
}
