//! Errors name the cause and the fix, with distinct exit codes.

use crate::helpers::{log_seed, TestServer};

#[tokio::test]
async fn a_bad_query_prints_the_servers_message_with_a_caret_and_exits_3() {
    let server = TestServer::start().await;
    log_seed(&server.logger("default", "default").await).await;
    let run = server
        .parallax(&["query", "tag:newton and metadata.field ="])
        .await;
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: bad query: expected a value after \"=\", found end of input\n    tag:newton and metadata.field =\n                                   ^\n"
    );
}

#[tokio::test]
async fn an_unreachable_server_and_a_refused_key_say_what_to_fix() {
    let server = TestServer::start().await;
    let run = server
        .parallax(&["query", "tag:x", "--url", "http://127.0.0.1:1"])
        .await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error: cannot reach http://127.0.0.1:1: is `parallax serve` running? set --url or PARALLAX_URL ("), "{}", run.stderr);

    let run = server
        .parallax(&["projects", "--api-key", "plx_not_a_key"])
        .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: the API key was refused: check --api-key / PARALLAX_API_KEY (server: the API key is unknown or revoked)\n");

    let run = server.parallax(&["query", "--project", "nope"]).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no project \"nope\""), "{}", run.stderr);
}

#[tokio::test]
async fn usage_errors_exit_2_and_help_lists_the_exit_codes() {
    let server = TestServer::start().await;
    let run = server.parallax(&["query", "--format", "xml"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let help = server.parallax(&["query", "--help"]).await.ok();
    assert!(
        help.stdout.contains(
            "Exit codes: 0 success, 1 server or runtime error, 2 usage error, 3 query error."
        ),
        "{}",
        help.stdout
    );
}
