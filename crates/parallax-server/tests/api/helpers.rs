//! Starting a real server for a test and talking to it.

use parallax_server::state::AppState;
use parallax_server::Config;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const KEY: &str = "plx_test_admin_key";

pub struct TestServer {
    pub url: String,
    pub http: Client,
    pub token: String,
    pub dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_with_state(tweak).await.0
    }

    /// [`TestServer::start_with`], also giving the server's shared state to the test.
    pub async fn start_with_state(tweak: impl FnOnce(&mut Config)) -> (TestServer, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.init_api_key = Some(KEY.into());
        tweak(&mut config);
        let state = parallax_server::open_state(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let app = parallax_server::routes::router(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        let http = Client::new();
        let mut server = TestServer {
            url,
            http,
            token: String::new(),
            dir,
            _stop: stop,
        };
        let (status, body) = server
            .call(
                Method::POST,
                "/login/api_key",
                Some(json!({"api_key": KEY})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        server.token = body["access_token"].as_str().unwrap().to_owned();
        (server, state)
    }

    /// Sends an authenticated request and returns the status and the JSON body (or a string).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, out) = self.call(Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "POST {path}: {out}");
        out
    }

    /// Creates a project and a log stream and returns their ids.
    pub async fn project_and_stream(&self, project: &str, stream: &str) -> (String, String) {
        let p = self
            .post("/projects", json!({"name": project, "type": "gen_ai"}))
            .await;
        let pid = p["id"].as_str().unwrap().to_owned();
        let s = self
            .post(
                &format!("/projects/{pid}/log_streams"),
                json!({"name": stream}),
            )
            .await;
        (pid, s["id"].as_str().unwrap().to_owned())
    }
}

/// The seed snippet's request body (captures/10), with fresh ids.
pub fn seed_body(stream: &str) -> (Value, String, String) {
    let trace_id = uuid::Uuid::new_v4().to_string();
    let span_id = uuid::Uuid::new_v4().to_string();
    let meta = json!({"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"});
    let body = json!({
        "log_stream_id": stream, "experiment_id": null, "logging_method": "api_direct",
        "client_version": null, "reliable": false, "session_id": null, "session_external_id": null,
        "is_complete": true,
        "traces": [{
            "type": "trace", "input": "Explain the following topic succinctly: Newton's First Law",
            "redacted_input": null, "output": "...", "redacted_output": null, "name": "",
            "created_at": "2026-12-03T16:25:18.921579Z", "user_metadata": meta,
            "tags": ["newton", "test", "new-version"], "status_code": null,
            "metrics": {"duration_ns": null}, "external_id": null, "dataset_input": null,
            "dataset_output": null, "dataset_metadata": {}, "id": trace_id, "session_id": null,
            "trace_id": null, "step_number": null, "parent_id": null,
            "spans": [{
                "type": "llm", "input": [{"content": "prompt", "role": "system", "tool_call_id": null, "tool_calls": null}],
                "redacted_input": null,
                "output": {"content": "Model response", "role": "assistant", "tool_call_id": null, "tool_calls": null},
                "redacted_output": null, "name": "", "created_at": "2026-12-03T16:25:18.921664Z",
                "user_metadata": meta, "tags": ["newton", "test", "new-version"], "status_code": null,
                "metrics": {"duration_ns": null, "num_input_tokens": null, "num_output_tokens": null,
                            "num_total_tokens": null, "time_to_first_token_ns": null},
                "external_id": null, "dataset_input": null, "dataset_output": null, "dataset_metadata": {},
                "id": span_id, "session_id": null, "trace_id": null, "step_number": null, "parent_id": null,
                "tools": null, "events": null, "model": "gpt-4o", "temperature": null, "finish_reason": null
            }]
        }]
    });
    (body, trace_id, span_id)
}

impl TestServer {
    /// Creates an API key with `role` directly in the data directory and returns its secret.
    pub fn key_with_role(&self, role: parallax_store::Role) -> String {
        use parallax_store::ControlStore;
        let store = parallax_store_sqlite::SqliteStore::open(self.dir.path()).unwrap();
        let key = parallax_server::auth::generate_key();
        store
            .create_api_key(parallax_store::NewApiKey {
                name: format!("{} key", role.as_str()),
                prefix: parallax_server::auth::key_prefix(&key),
                hash: parallax_server::auth::hash_key(&key),
                role,
                projects: None,
            })
            .unwrap();
        key
    }
}
