//! Retries: a stub in front of the real server answers 503 twice, then passes requests on.

use crate::helpers::{TestServer, KEY};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use parallax_client::{LoggerBuilder, RetryPolicy};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
struct Stub {
    upstream: String,
    calls: Arc<AtomicUsize>,
    failures: usize,
}

async fn traces(
    State(stub): State<Stub>,
    Path(pid): Path<String>,
    body: Bytes,
) -> (StatusCode, String) {
    let n = stub.calls.fetch_add(1, Ordering::SeqCst);
    if n < stub.failures {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"detail": "busy"}"#.into(),
        );
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/v2/projects/{pid}/traces", stub.upstream))
        .header("X-API-Key", KEY)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (
        StatusCode::from_u16(resp.status().as_u16()).unwrap(),
        resp.text().await.unwrap(),
    )
}

async fn start_stub(upstream: &str, failures: usize) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let stub = Stub {
        upstream: upstream.to_owned(),
        calls: calls.clone(),
        failures,
    };
    let app = Router::new()
        .route("/v2/projects/{pid}/traces", post(traces))
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

fn quick(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

#[tokio::test]
async fn a_batch_is_retried_on_503_until_it_lands() {
    let server = TestServer::start().await;
    // Resolve the project and stream on the real server, then log through the stub by id.
    let target = server.logger("p", "s").build().await.unwrap().target();
    let (stub_url, calls) = start_stub(&server.url, 2).await;
    let logger = LoggerBuilder::new()
        .url(stub_url)
        .api_key(KEY)
        .project_id(target.project_id)
        .log_stream_id(target.log_stream_id)
        .retry(quick(5))
        .build()
        .await
        .unwrap();
    let trace = logger
        .start_trace("retried")
        .tags(["retry"])
        .start()
        .unwrap();
    logger.conclude("done").unwrap();
    let report = logger.flush().await.unwrap();
    assert_eq!(report.traces, 1);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two 503s, then the request that landed"
    );
    let t = server.trace(target.project_id, trace).await;
    assert_eq!(t["tags"], serde_json::json!(["retry"]));
}

#[tokio::test]
async fn a_batch_that_keeps_failing_is_reported_and_resent_on_the_next_flush() {
    let server = TestServer::start().await;
    let target = server.logger("p", "s").build().await.unwrap().target();
    // Fails the first flush's three attempts; the next flush's first attempt passes.
    let (stub_url, calls) = start_stub(&server.url, 3).await;
    let logger = LoggerBuilder::new()
        .url(stub_url)
        .api_key(KEY)
        .project_id(target.project_id)
        .log_stream_id(target.log_stream_id)
        .retry(quick(2))
        .build()
        .await
        .unwrap();
    let trace = logger.start_trace("later").start().unwrap();
    logger.conclude("done").unwrap();
    let err = logger.flush().await.unwrap_err().to_string();
    assert!(
        err.starts_with("1 traces were not delivered: POST /v2/projects/"),
        "{err}"
    );
    assert!(err.ends_with("answered HTTP 503: busy"), "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        logger.flush().await.unwrap().traces,
        1,
        "kept and sent again"
    );
    server.trace(target.project_id, trace).await;
}
