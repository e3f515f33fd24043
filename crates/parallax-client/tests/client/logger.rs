//! The logger against a real server: the seed's trace, validation at the call site, nesting,
//! the blocking logger.

use crate::helpers::TestServer;
use parallax_client::{Conclusion, Document, Error, Message};
use serde_json::json;
use std::time::Duration;

const SEED_TAGS: [&str; 3] = ["newton", "test", "new-version"];
const SEED_META: [(&str, &str); 3] = [
    ("experimentNumber", "1"),
    ("promptVersion", "0.0.1"),
    ("field", "physics"),
];

#[tokio::test]
async fn the_seed_trace_lands_with_its_tags_and_metadata() {
    let server = TestServer::start().await;
    let logger = server.logger("seed", "default").build().await.unwrap();
    let prompt = "Explain the following topic succinctly: Newton's First Law";
    let trace_id = logger
        .start_trace(prompt)
        .tags(SEED_TAGS)
        .metadata(SEED_META)
        .start()
        .unwrap();
    let span_id = logger
        .add_llm_span([Message::system(prompt)], "Model response")
        .model("gpt-4o")
        .tags(SEED_TAGS)
        .metadata(SEED_META)
        .add()
        .unwrap();
    logger.conclude("Model response").unwrap();
    let report = logger.flush().await.unwrap();
    assert_eq!((report.traces, report.records), (1, 2));
    assert!(report.quarantined.is_empty());

    let t = server.trace(logger.target().project_id, trace_id).await;
    let meta = json!({"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"});
    assert_eq!(t["tags"], json!(SEED_TAGS));
    assert_eq!(t["user_metadata"], meta);
    assert_eq!(t["input"], prompt);
    assert_eq!(t["output"], "Model response");
    assert!(
        t["metrics"]["duration_ns"].as_i64().is_some(),
        "the trace is timed: {t}"
    );
    let span = &t["spans"][0];
    assert_eq!(span["id"], span_id.to_string());
    assert_eq!(span["type"], "llm");
    assert_eq!(span["model"], "gpt-4o");
    assert_eq!(span["tags"], json!(SEED_TAGS));
    assert_eq!(span["user_metadata"], meta);
    assert_eq!(
        span["input"],
        json!([{"content": prompt, "role": "system", "tool_call_id": null, "tool_calls": null}])
    );
    assert_eq!(span["output"]["content"], "Model response");
    assert_eq!(span["parent_id"], trace_id.to_string());

    // A second logger finds the project and stream instead of creating them again.
    let again = server.logger("seed", "default").build().await.unwrap();
    assert_eq!(again.target(), logger.target());
}

#[tokio::test]
async fn a_bad_tag_is_an_error_at_the_call_site_and_nothing_is_logged() {
    let server = TestServer::start().await;
    let logger = server.logger("p", "s").build().await.unwrap();
    let long = "x".repeat(60);
    let err = logger
        .start_trace("q")
        .tags(["ok", long.as_str()])
        .start()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "start_trace: tags[1] \"xxxxxxxxxxxxxxxxxxxxxxxx…\": tag is 60 characters; the limit is 50"
    );
    assert!(matches!(&err, Error::Invalid(v) if v.len() == 1 && v[0].path == "tags[1]"));
    assert_eq!(
        logger.current_trace(),
        None,
        "a refused trace is not opened"
    );

    logger.start_trace("q").start().unwrap();
    let err = logger
        .add_llm_span("in", "out")
        .tags([""])
        .meta("k", "v".repeat(300))
        .add()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "add_llm_span: tags[0] \"\": tag is empty; add_llm_span: metadata.k: metadata value is 300 characters; the limit is 256"
    );
    logger.conclude("a").unwrap();
    let report = logger.flush().await.unwrap();
    assert_eq!(
        report.records, 1,
        "only the trace was logged, not the refused span"
    );

    assert!(matches!(
        logger.add_tool_span("i", "o").add(),
        Err(Error::NoTrace)
    ));
    logger.start_trace("one").start().unwrap();
    assert!(matches!(
        logger.start_trace("two").start(),
        Err(Error::TraceOpen)
    ));
}

#[tokio::test]
async fn workflow_and_agent_spans_are_parents_until_concluded() {
    let server = TestServer::start().await;
    let logger = server.logger("p", "s").build().await.unwrap();
    let trace = logger
        .start_trace("What's the weather in Paris?")
        .name("weather")
        .start()
        .unwrap();
    let wf = logger
        .add_workflow_span("plan")
        .name("planner")
        .add()
        .unwrap();
    let retr = logger
        .add_retriever_span(
            "paris weather",
            vec![Document::new("doc one").with("page", 1)],
        )
        .add()
        .unwrap();
    let agent = logger
        .add_agent_span("agent in")
        .agent_type(parallax_client::AgentType::Router)
        .add()
        .unwrap();
    let tool = logger
        .add_tool_span("{\"city\": \"Paris\"}", "{\"temp\": 21}")
        .tool_call_id("call_1")
        .duration(Duration::from_micros(2))
        .add()
        .unwrap();
    logger.conclude("agent out").unwrap();
    let llm = logger
        .add_llm_span("hi", "It is 21C")
        .model("gpt-4o")
        .input_tokens(10)
        .output_tokens(5)
        .total_tokens(15)
        .add()
        .unwrap();
    logger
        .conclude_with(Conclusion::default().status_code(200))
        .unwrap();
    logger
        .conclude_with(
            Conclusion::default()
                .output("final answer")
                .duration(Duration::from_millis(10)),
        )
        .unwrap();
    logger.flush().await.unwrap();

    let t = server.trace(logger.target().project_id, trace).await;
    assert_eq!(t["name"], "weather");
    assert_eq!(t["output"], "final answer");
    assert_eq!(t["metrics"]["duration_ns"], 10_000_000);
    let w = &t["spans"][0];
    assert_eq!(
        (w["id"].as_str(), w["type"].as_str()),
        (Some(wf.to_string().as_str()), Some("workflow"))
    );
    // Concluded without an output: the last child's output, as the SDK's JSON text.
    assert_eq!(
        w["output"],
        "{\"content\": \"It is 21C\", \"role\": \"assistant\"}"
    );
    assert_eq!(w["status_code"], 200);
    let ids: Vec<&str> = w["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [retr.to_string(), agent.to_string(), llm.to_string()]);
    let a = &w["spans"][1];
    assert_eq!(a["agent_type"], "router");
    assert_eq!(a["output"], "agent out");
    assert_eq!(a["spans"][0]["id"], tool.to_string());
    assert_eq!(a["spans"][0]["parent_id"], agent.to_string());
    assert_eq!(a["spans"][0]["tool_call_id"], "call_1");
    assert_eq!(a["spans"][0]["metrics"]["duration_ns"], 2000);
    assert_eq!(w["spans"][0]["output"][0]["metadata"]["page"], 1);
    assert_eq!(w["spans"][2]["metrics"]["num_total_tokens"], 15);
}

#[tokio::test]
async fn flush_concludes_what_is_open() {
    let server = TestServer::start().await;
    let logger = server.logger("p", "s").build().await.unwrap();
    let trace = logger.start_trace("auto-conclude me").start().unwrap();
    logger.add_workflow_span("w").add().unwrap();
    logger.add_llm_span("x", "y").model("m").add().unwrap();
    let report = logger.flush().await.unwrap();
    assert_eq!(report.records, 3);
    let t = server.trace(logger.target().project_id, trace).await;
    assert_eq!(t["output"], "{\"content\": \"y\", \"role\": \"assistant\"}");
    assert_eq!(logger.current_trace(), None);
}

#[tokio::test]
async fn shutdown_closes_the_logger() {
    let server = TestServer::start().await;
    let logger = server.logger("p", "s").build().await.unwrap();
    logger.start_trace("q").start().unwrap();
    assert_eq!(logger.shutdown().await.unwrap().traces, 1);
    assert!(matches!(
        logger.start_trace("q").start(),
        Err(Error::Closed)
    ));
    assert!(matches!(logger.flush().await, Err(Error::Closed)));
}

#[tokio::test]
async fn missing_api_key_and_unreachable_server_are_named() {
    let err = parallax_client::LoggerBuilder::new()
        .build()
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no API key: set PARALLAX_API_KEY"), "{err}");
    let err = parallax_client::LoggerBuilder::new()
        .url("http://127.0.0.1:1")
        .api_key("k")
        .retry(parallax_client::RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("cannot reach http://127.0.0.1:1: "),
        "{err}"
    );
}

#[tokio::test]
async fn the_blocking_logger_flushes_when_dropped() {
    let server = TestServer::start().await;
    let builder = server.logger("p", "blocking");
    // A thread of its own: the blocking logger must not run inside the test's runtime.
    let (project, trace) = tokio::task::spawn_blocking(move || {
        let logger = builder.build_blocking().unwrap();
        let trace = logger
            .start_trace("sync")
            .tags(["blocking"])
            .start()
            .unwrap();
        logger.add_tool_span("i", "o").add().unwrap();
        (logger.logger().target().project_id, trace)
        // Dropped here without flush or conclude.
    })
    .await
    .unwrap();
    let t = server.trace(project, trace).await;
    assert_eq!(t["tags"], json!(["blocking"]));
    assert_eq!(t["spans"][0]["type"], "tool");
}
