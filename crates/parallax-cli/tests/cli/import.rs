//! `parallax import`: duplicates on a second run, resuming after an interruption, Galileo's
//! own export shape, and quarantine of records that break a rule.

use crate::helpers::TestServer;
use serde_json::{json, Value};
use uuid::Uuid;

/// `n` flat trace records, one per line.
fn traces(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| json!({"type": "trace", "id": Uuid::new_v4(), "name": format!("t{i}"), "tags": ["imported"], "user_metadata": {"i": i.to_string()}, "input": "q", "output": "a"}).to_string())
        .collect()
}

#[tokio::test]
async fn importing_twice_reports_duplicates() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.jsonl"), traces(5).join("\n") + "\n").unwrap();
    let first = server
        .parallax_in(
            &[
                "import",
                "t.jsonl",
                "--project",
                "p",
                "--log-stream",
                "s",
                "--batch-size",
                "2",
            ],
            Some(dir.path()),
        )
        .await
        .ok();
    assert!(
        first
            .stderr
            .starts_with("created log stream \"s\" in project \"p\"\n"),
        "{}",
        first.stderr
    );
    assert!(first.stderr.ends_with("imported t.jsonl into p/s: 5 written, 0 duplicates (already present, updated in place), 0 quarantined\n"), "{}", first.stderr);
    let again = server
        .parallax_in(
            &["import", "t.jsonl", "-p", "p", "-s", "s"],
            Some(dir.path()),
        )
        .await
        .ok();
    assert_eq!(again.stderr, "imported t.jsonl into p/s: 0 written, 5 duplicates (already present, updated in place), 0 quarantined\n");
    assert!(
        !dir.path().join("t.jsonl.parallax-import").exists(),
        "a finished import leaves no progress file"
    );
}

#[tokio::test]
async fn an_interrupted_import_resumes_where_it_stopped() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut lines = traces(7);
    let good_line_4 = std::mem::replace(&mut lines[3], "{\"type\": \"trace\", broken".into());
    std::fs::write(dir.path().join("t.jsonl"), lines.join("\n") + "\n").unwrap();
    let args = [
        "import",
        "t.jsonl",
        "--log-stream",
        "s",
        "--batch-size",
        "2",
    ];
    let run = server.parallax_in(&args, Some(dir.path())).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with("error: t.jsonl line 4: not a JSON record object; fix the line and run the same command again to resume from it\n"),
        "{}",
        run.stderr
    );
    let marker: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("t.jsonl.parallax-import")).unwrap(),
    )
    .unwrap();
    let first_three: usize = lines[..3].iter().map(|l| l.len() + 1).sum();
    assert_eq!(
        (
            marker["offset"].as_u64(),
            marker["line"].as_u64(),
            marker["written"].as_u64()
        ),
        (Some(first_three as u64), Some(3), Some(3))
    );

    lines[3] = good_line_4;
    std::fs::write(dir.path().join("t.jsonl"), lines.join("\n") + "\n").unwrap();
    let run = server.parallax_in(&args, Some(dir.path())).await.ok();
    assert!(
        run.stderr.starts_with("resuming t.jsonl at line 4 ("),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with(
            ": 7 written, 0 duplicates (already present, updated in place), 0 quarantined\n"
        ),
        "{}",
        run.stderr
    );
    let project = Uuid::parse_str(
        server.get("/projects?project_name=default").await[0]["id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(server.records(project, "s").await.len(), 7);

    // --restart ignores a progress file and reads from the top.
    std::fs::write(
        dir.path().join("t.jsonl.parallax-import"),
        marker.to_string(),
    )
    .unwrap();
    let run = server
        .parallax_in(
            &["import", "t.jsonl", "--log-stream", "s", "--restart"],
            Some(dir.path()),
        )
        .await
        .ok();
    assert!(
        run.stderr.ends_with(
            ": 0 written, 7 duplicates (already present, updated in place), 0 quarantined\n"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn galileo_export_records_with_nested_spans_are_read_and_bad_ones_quarantined() {
    let server = TestServer::start().await;
    let (trace, span, bad) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let foreign_stream = Uuid::new_v4();
    let record = json!({
        "type": "trace", "id": trace, "trace_id": trace, "project_id": Uuid::new_v4(), "run_id": foreign_stream,
        "num_spans": 2, "has_children": true, "created_at": "2025-01-02T03:04:05Z", "input": "q", "output": "a",
        "tags": ["galileo"], "user_metadata": {"source": "galileo"},
        "spans": [
            {"type": "llm", "id": span, "model": "gpt-4o", "run_id": foreign_stream, "input": [{"role": "user", "content": "q"}], "output": {"role": "assistant", "content": "a"}},
            {"type": "tool", "id": bad, "tags": ["z".repeat(51)], "input": "i"}
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("galileo.jsonl"), record.to_string() + "\n").unwrap();
    let run = server
        .parallax_in(
            &["import", "galileo.jsonl", "--log-stream", "from-galileo"],
            Some(dir.path()),
        )
        .await
        .ok();
    assert!(
        run.stderr.contains(
            ": 2 written, 0 duplicates (already present, updated in place), 1 quarantined\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "quarantined {bad} (galileo.jsonl line 1): tag is 51 characters; the limit is 50"
        )),
        "{}",
        run.stderr
    );

    let project = server.get("/projects?project_name=default").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = server
        .get(&format!("/api/v1/projects/{project}/traces/{trace}"))
        .await;
    assert_eq!(t["spans"][0]["id"], span.to_string());
    assert_eq!(t["spans"][0]["parent_id"], trace.to_string());
    assert_eq!(t["created_at"], "2025-01-02T03:04:05.000000Z");
    assert_eq!(t["has_children"], true, "unknown fields are kept");
    assert_ne!(
        t["run_id"],
        foreign_stream.to_string(),
        "read-side fields are not stored"
    );
    assert_eq!(t["num_spans"], 1, "counted anew, not the imported 2");
    let stored = server
        .get(&format!("/api/v1/projects/{project}/records/{trace}"))
        .await;
    assert!(stored.get("num_spans").is_none(), "{stored}");
}
