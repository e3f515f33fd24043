//! A real server for a test, and reading back what it stored.

use parallax_client::LoggerBuilder;
use parallax_server::Config;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::oneshot;

pub const KEY: &str = "plx_client_test_key";

pub struct TestServer {
    pub url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
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

    /// A logger for this server that reads nothing from the environment.
    pub fn logger(&self, project: &str, stream: &str) -> LoggerBuilder {
        LoggerBuilder::new()
            .url(&self.url)
            .api_key(KEY)
            .project(project)
            .log_stream(stream)
            .flush_interval(Duration::from_millis(50))
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
        let body: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {body}");
        body
    }

    /// A stored trace with its span tree.
    pub async fn trace(&self, project: uuid::Uuid, trace: uuid::Uuid) -> Value {
        self.get(&format!("/api/v1/projects/{project}/traces/{trace}"))
            .await
    }
}
