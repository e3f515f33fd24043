//! A real server for a test, the `parallax` binary pointed at it, and the seed's trace logged
//! through the Rust client.

use parallax_client::{Logger, LoggerBuilder, Message};
use parallax_server::Config;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use tokio::sync::oneshot;
use uuid::Uuid;

pub const KEY: &str = "plx_cli_test_admin_key";

pub struct TestServer {
    pub url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

/// What a run of the binary printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "parallax failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.init_api_key = Some(KEY.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(parallax_server::serve(config, listener, async {
            let _ = stopped.await;
        }));
        TestServer {
            url,
            http: reqwest::Client::new(),
            _dir: dir,
            _stop: stop,
        }
    }

    /// Runs `parallax ARGS` with PARALLAX_URL and PARALLAX_API_KEY set for this server.
    pub async fn parallax(&self, args: &[&str]) -> Run {
        self.parallax_in(args, None).await
    }

    /// Runs `parallax ARGS` in directory `cwd`.
    pub async fn parallax_in(&self, args: &[&str], cwd: Option<&Path>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parallax"));
        cmd.env("PARALLAX_URL", &self.url)
            .env("PARALLAX_API_KEY", KEY);
        run(cmd, args, cwd).await
    }

    /// Runs `parallax ARGS` with no server in the environment (the local `keys` mode).
    pub async fn parallax_local(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parallax"));
        cmd.env_remove("PARALLAX_URL")
            .env_remove("PARALLAX_API_KEY");
        run(cmd, args, None).await
    }

    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    pub async fn logger(&self, project: &str, stream: &str) -> Logger {
        LoggerBuilder::new()
            .url(&self.url)
            .api_key(KEY)
            .project(project)
            .log_stream(stream)
            .build()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .header("X-API-Key", KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let out: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {out}");
        out
    }

    pub async fn get(&self, path: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .header("X-API-Key", KEY)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let out: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {out}");
        out
    }

    /// Every record of a stream (traces and spans), oldest first.
    pub async fn records(&self, project: Uuid, stream: &str) -> Vec<Value> {
        let streams = self.get(&format!("/projects/{project}/log_streams")).await;
        let sid = streams
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == stream)
            .expect("stream exists")["id"]
            .clone();
        let mut all = Vec::new();
        for root in ["trace", "span"] {
            let body = json!({"log_stream_id": sid, "root": root, "limit": 1000, "sort": {"field": "created_at", "ascending": true}});
            let page = self
                .post(&format!("/api/v1/projects/{project}/search"), body)
                .await;
            all.extend(page["records"].as_array().unwrap().iter().cloned());
        }
        all
    }
}

async fn run(mut cmd: Command, args: &[&str], cwd: Option<&Path>) -> Run {
    cmd.args(args).env("PARALLAX_LOG", "warn");
    for var in [
        "PARALLAX_PROJECT",
        "PARALLAX_LOG_STREAM",
        "PARALLAX_DATA_DIR",
        "PARALLAX_PROGRESS",
    ] {
        cmd.env_remove(var);
    }
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    // The server runs on this test's runtime: wait for the child on a blocking thread.
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub const SEED_PROMPT: &str = "Explain the following topic succinctly: Newton's First Law";

/// The seed snippet, through the Rust client; returns the trace id.
pub async fn log_seed(logger: &Logger) -> Uuid {
    let tags = ["newton", "test", "new-version"];
    let meta = [
        ("experimentNumber", "1"),
        ("promptVersion", "0.0.1"),
        ("field", "physics"),
    ];
    let id = logger
        .start_trace(SEED_PROMPT)
        .tags(tags)
        .metadata(meta)
        .start()
        .unwrap();
    logger
        .add_llm_span([Message::system(SEED_PROMPT)], "Model response")
        .model("gpt-4o")
        .tags(tags)
        .metadata(meta)
        .add()
        .unwrap();
    logger.conclude("Model response").unwrap();
    logger.flush().await.unwrap();
    id
}
