//! The tracing layer: `tracing` spans become a trace with spans, fields become tags, metadata,
//! input, output and model.

use crate::helpers::TestServer;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn tracing_spans_become_a_trace_with_annotations() {
    let server = TestServer::start().await;
    let logger = server.logger("p", "tracing").build().await.unwrap();
    let subscriber = tracing_subscriber::registry().with(parallax_client::tracing_layer(&logger));
    tracing::subscriber::with_default(subscriber, || {
        let root = tracing::info_span!(
            "answer",
            tags = "newton,tracing",
            metadata.promptVersion = "0.0.1",
            input = "why?",
            output = tracing::field::Empty,
            tag = tracing::field::Empty
        );
        root.in_scope(|| {
            let retr = tracing::info_span!("lookup", span_type = "retriever", input = "newton", output = "doc");
            drop(retr);
            let llm = tracing::info_span!("complete", model = "gpt-4o", input = "prompt", output = "because", meta.field = "physics", input_tokens = 3, tags = ?["a", "b"]);
            llm.in_scope(|| tracing::error!("the model timed out once"));
            drop(llm);
        });
        root.record("output", "because");
        root.record("tag", "late");
    });
    let report = logger.flush().await.unwrap();
    assert_eq!((report.traces, report.records), (1, 3));

    let found = server
        .get(&format!(
            "/api/v1/projects/{}/tags?log_stream_id={}",
            logger.target().project_id,
            logger.target().log_stream_id
        ))
        .await;
    assert!(
        found["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["tag"] == "newton"),
        "{found}"
    );
    let search = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/projects/{}/search",
            server.url,
            logger.target().project_id
        ))
        .header("X-API-Key", crate::helpers::KEY)
        .json(&json!({"log_stream_id": logger.target().log_stream_id, "q": "tag:newton"}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let id = search["records"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let t = server.trace(logger.target().project_id, id).await;
    assert_eq!(t["name"], "answer");
    assert_eq!(t["tags"], json!(["newton", "tracing", "late"]));
    assert_eq!(t["user_metadata"], json!({"promptVersion": "0.0.1"}));
    assert_eq!(
        (t["input"].as_str(), t["output"].as_str()),
        (Some("why?"), Some("because"))
    );
    assert!(t["metrics"]["duration_ns"].as_i64().unwrap() > 0);
    let (r, l) = (&t["spans"][0], &t["spans"][1]);
    assert_eq!(
        (r["name"].as_str(), r["type"].as_str()),
        (Some("lookup"), Some("retriever"))
    );
    assert_eq!(r["output"][0]["content"], "doc");
    assert_eq!(
        (l["name"].as_str(), l["type"].as_str(), l["model"].as_str()),
        (Some("complete"), Some("llm"), Some("gpt-4o"))
    );
    assert_eq!(l["tags"], json!(["a", "b"]));
    assert_eq!(l["user_metadata"], json!({"field": "physics"}));
    assert_eq!(l["metrics"]["num_input_tokens"], 3);
    assert_eq!(
        l["status_code"], 500,
        "an ERROR event marks the span failed"
    );
}

#[tokio::test]
async fn a_bad_tag_from_a_span_is_quarantined_and_reported_by_flush() {
    let server = TestServer::start().await;
    let logger = server.logger("p", "tracing").build().await.unwrap();
    let subscriber = tracing_subscriber::registry().with(parallax_client::tracing_layer(&logger));
    let long = "y".repeat(57);
    tracing::subscriber::with_default(subscriber, || {
        drop(tracing::info_span!("bad", tags = long.as_str()));
    });
    let report = logger.flush().await.unwrap();
    assert_eq!(report.quarantined.len(), 1);
    assert_eq!(
        report.quarantined[0].violations,
        ["traces[0].tags[0]: tag is 57 characters; the limit is 50"]
    );
}
