//! `parallax query`, `projects` and `log-streams` against a real server.

use crate::helpers::{log_seed, TestServer};
use parallax_client::Conclusion;
use serde_json::Value;

#[tokio::test]
async fn query_shows_the_seed_trace_with_its_metadata_columns() {
    let server = TestServer::start().await;
    let logger = server.logger("default", "default").await;
    let id = log_seed(&logger).await;
    logger
        .start_trace("unrelated")
        .tags(["other"])
        .meta("field", "chemistry")
        .start()
        .unwrap();
    logger.conclude("x").unwrap();
    logger.flush().await.unwrap();

    let run = server.parallax(&["query", "tag:newton"]).await.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "time",
            "id",
            "name",
            "type",
            "status",
            "duration",
            "tags",
            "experimentNumber",
            "promptVersion",
            "field"
        ]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row[2], &id.to_string()[..8]);
    assert_eq!(row[3], "trace");
    assert_eq!(
        &row[5..],
        ["newton,test,new-version", "1", "0.0.1", "physics"]
    );
    assert_eq!(run.stderr.trim(), "1 record");

    let json = server
        .parallax(&["query", "tag:newton", "--format", "json", "--root", "span"])
        .await
        .ok();
    let records: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["type"], "llm");
    assert_eq!(records[0]["parent_id"], id.to_string());

    let csv = server
        .parallax(&["query", "", "--format", "csv"])
        .await
        .ok();
    let mut lines = csv.stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "created_at,id,trace_id,parent_id,name,type,status_code,duration_ns,tags,metadata.field,metadata.experimentNumber,metadata.promptVersion"
    );
    assert!(
        lines.any(|l| l.contains(&format!(",{id},{id},,,trace,,"))
            && l.ends_with(",\"newton,test,new-version\",physics,1,0.0.1")),
        "{}",
        csv.stdout
    );
}

#[tokio::test]
async fn group_by_prints_count_error_rate_and_latency_per_value() {
    let server = TestServer::start().await;
    let logger = server.logger("default", "default").await;
    for (version, status) in [("0.0.1", 200), ("0.0.1", 500), ("0.0.2", 200)] {
        logger
            .start_trace("q")
            .meta("promptVersion", version)
            .start()
            .unwrap();
        logger
            .conclude_with(
                Conclusion::default()
                    .output("a")
                    .status_code(status)
                    .duration(std::time::Duration::from_millis(20)),
            )
            .unwrap();
    }
    logger.flush().await.unwrap();
    let run = server
        .parallax(&["query", "--group-by", "metadata.promptVersion"])
        .await
        .ok();
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "metadata.promptVersion",
            "count",
            "error",
            "rate",
            "p50",
            "p95",
            "tokens"
        ]
    );
    assert_eq!(rows[1], ["0.0.1", "2", "50.0%", "20ms", "20ms", "0"]);
    assert_eq!(rows[2], ["0.0.2", "1", "0.0%", "20ms", "20ms", "0"]);
}

#[tokio::test]
async fn projects_and_log_streams_are_listed() {
    let server = TestServer::start().await;
    server.logger("physics", "experiments").await;
    let run = server.parallax(&["projects"]).await.ok();
    assert!(
        run.stdout.lines().next().unwrap().starts_with("id"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().nth(1) == Some("physics")),
        "{}",
        run.stdout
    );
    let run = server
        .parallax(&["log-streams", "--project", "physics", "--format", "json"])
        .await
        .ok();
    let streams: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0]["name"], "experiments");
}
