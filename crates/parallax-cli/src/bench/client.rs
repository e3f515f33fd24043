//! The benchmark's HTTP client: the API key header, JSON in and out, and wall-clock timing of
//! each call as a client sees it (request sent to the last byte of the answer read; JSON parsing
//! of the answer is not timed).

use anyhow::{bail, Context};
use serde_json::Value;
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub elapsed: Duration,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status == 200
    }

    /// The status and the start of the body, for messages.
    pub fn describe(&self) -> String {
        let text = self.body.to_string();
        let cut: String = text.chars().take(300).collect();
        format!("HTTP {}: {cut}", self.status)
    }
}

impl Api {
    pub fn new(base: &str, key: &str) -> anyhow::Result<Api> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        })
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Reply> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Reply> {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn post_raw(&self, path: &str, body: String) -> anyhow::Result<Reply> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        self.send(req).await
    }

    /// Like `post`, but anything other than 200 is an error.
    pub async fn post_ok(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let reply = self.post(path, body).await?;
        if !reply.ok() {
            bail!("POST {path} answered {}", reply.describe());
        }
        Ok(reply.body)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<Reply> {
        let started = Instant::now();
        let resp = req
            .header("X-API-Key", &self.key)
            .send()
            .await
            .context("request failed")?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.context("reading the answer failed")?;
        let elapsed = started.elapsed();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(Reply {
            status,
            body,
            elapsed,
        })
    }
}
