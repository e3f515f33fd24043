//! What the commands that talk to a running server share: the `--url` / `--api-key` flags,
//! the project and log-stream flags, one HTTP client, and errors that name the cause and the
//! fix (an unreachable server, a refused key, a query with a caret under the problem).

use clap::Args;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

/// Exit code for a query the server could not parse (usage errors are 2, other failures 1).
pub const EXIT_QUERY: u8 = 3;

/// Printed under `--help`.
pub const EXIT_CODES: &str =
    "Exit codes: 0 success, 1 server or runtime error, 2 usage error, 3 query error.";

#[derive(Args, Clone, Debug)]
pub struct RemoteArgs {
    /// The server's URL.
    #[arg(long, env = "PARALLAX_URL", default_value = "http://127.0.0.1:8088")]
    pub url: String,
    /// An API key (the server prints an admin key on first start).
    #[arg(long, env = "PARALLAX_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

#[derive(Args, Clone, Debug)]
pub struct StreamArgs {
    /// Project name or id.
    #[arg(long, short = 'p', env = "PARALLAX_PROJECT", default_value = "default")]
    pub project: String,
    /// Log stream name or id.
    #[arg(
        long,
        short = 's',
        env = "PARALLAX_LOG_STREAM",
        default_value = "default"
    )]
    pub log_stream: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "cannot reach {url}: is `parallax serve` running? set --url or PARALLAX_URL ({cause})"
    )]
    Unreachable { url: String, cause: String },
    #[error("no API key: pass --api-key or set PARALLAX_API_KEY (the server prints an admin key on first start)")]
    NoKey,
    #[error("the API key was refused: check --api-key / PARALLAX_API_KEY (server: {0})")]
    Unauthorized(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("bad query: {message}\n    {query}\n    {caret}^")]
    Query {
        message: String,
        query: String,
        caret: String,
    },
    #[error("{what}: HTTP {status}: {detail}")]
    Http {
        what: String,
        status: u16,
        detail: String,
    },
}

impl RemoteError {
    /// Worth sending again: the server was unreachable, busy or failing.
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteError::Unreachable { .. } => true,
            RemoteError::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Turns the server's 400 on a text query (`q: at 14: expected …`) into a message with a
    /// caret under the offending character.
    pub fn for_query(self, query: &str) -> RemoteError {
        let RemoteError::Http {
            status: 400,
            detail,
            ..
        } = &self
        else {
            return self;
        };
        let Some(rest) = detail.strip_prefix("q: at ") else {
            return self;
        };
        let Some((offset, message)) = rest.split_once(": ") else {
            return self;
        };
        let Ok(offset) = offset.parse::<usize>() else {
            return self;
        };
        let mut end = offset.min(query.len());
        while !query.is_char_boundary(end) {
            end -= 1;
        }
        let caret = " ".repeat(query[..end].chars().count());
        RemoteError::Query {
            message: message.to_owned(),
            query: query.to_owned(),
            caret,
        }
    }
}

/// The exit code an error calls for, when it is not the default 1.
pub fn exit_code(e: &anyhow::Error) -> Option<u8> {
    e.chain()
        .find_map(|c| c.downcast_ref::<RemoteError>())
        .and_then(|r| matches!(r, RemoteError::Query { .. }).then_some(EXIT_QUERY))
}

/// A project or log stream as listed.
#[derive(Debug, Clone)]
pub struct Named {
    pub id: Uuid,
    pub name: String,
}

impl Named {
    fn from_json(v: &Value) -> Option<Named> {
        let id = Uuid::parse_str(v["id"].as_str()?).ok()?;
        Some(Named {
            id,
            name: v["name"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

pub struct Remote {
    http: reqwest::Client,
    pub base: String,
    key: String,
}

impl Remote {
    pub fn new(args: &RemoteArgs) -> Result<Remote, RemoteError> {
        Remote::with(&args.url, args.api_key.as_deref())
    }

    pub fn with(url: &str, key: Option<&str>) -> Result<Remote, RemoteError> {
        let key = key
            .filter(|k| !k.trim().is_empty())
            .ok_or(RemoteError::NoKey)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| RemoteError::Unreachable {
                url: url.to_owned(),
                cause: e.to_string(),
            })?;
        Ok(Remote {
            http,
            base: url.trim_end_matches('/').to_owned(),
            key: key.trim().to_owned(),
        })
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, RemoteError> {
        let req = self.http.get(format!("{}{path}", self.base)).query(query);
        json_of(self.send(req, &format!("GET {path}")).await?).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, RemoteError> {
        json_of(self.post_response(path, body).await?).await
    }

    /// Posts and returns the response unread, for streamed answers.
    pub async fn post_response(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<reqwest::Response, RemoteError> {
        let req = self.http.post(format!("{}{path}", self.base)).json(body);
        self.send(req, &format!("POST {path}")).await
    }

    /// Like `post`, retrying transient failures with exponential backoff (0.5 s, 1 s, 2 s, …).
    pub async fn post_retrying(
        &self,
        path: &str,
        body: &Value,
        retries: u32,
    ) -> Result<Value, RemoteError> {
        let mut attempt = 0;
        loop {
            match self.post(path, body).await {
                Err(e) if e.is_transient() && attempt < retries => {
                    tokio::time::sleep(Duration::from_millis(500 << attempt.min(6))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<reqwest::Response, RemoteError> {
        let resp = req
            .header("X-API-Key", &self.key)
            .send()
            .await
            .map_err(|e| RemoteError::Unreachable {
                url: self.base.clone(),
                cause: innermost(&e),
            })?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(resp);
        }
        let text = resp.text().await.unwrap_or_default();
        let detail = match serde_json::from_str::<Value>(&text) {
            Ok(v) if v["detail"].is_string() => v["detail"].as_str().unwrap_or_default().to_owned(),
            _ => text.chars().take(300).collect(),
        };
        Err(match status {
            401 => RemoteError::Unauthorized(detail),
            403 => RemoteError::Forbidden(detail),
            _ => RemoteError::Http {
                what: what.to_owned(),
                status,
                detail,
            },
        })
    }

    /// The project named (or with the id) `name`, if the key may see it.
    pub async fn find_project(&self, name: &str) -> Result<Option<Named>, RemoteError> {
        if let Ok(id) = Uuid::parse_str(name) {
            return match self.get(&format!("/projects/{id}"), &[]).await {
                Ok(p) => Ok(Named::from_json(&p)),
                Err(RemoteError::Http { status: 404, .. }) => Ok(None),
                Err(e) => Err(e),
            };
        }
        let found = self
            .get("/projects", &[("project_name", name), ("type", "gen_ai")])
            .await?;
        Ok(found
            .as_array()
            .and_then(|a| a.first())
            .and_then(Named::from_json))
    }

    pub async fn find_stream(
        &self,
        project: Uuid,
        name: &str,
    ) -> Result<Option<Named>, RemoteError> {
        let all = self
            .get(&format!("/projects/{project}/log_streams"), &[])
            .await?;
        let streams: Vec<Named> = all
            .as_array()
            .map(|a| a.iter().filter_map(Named::from_json).collect())
            .unwrap_or_default();
        let by_id = Uuid::parse_str(name).ok();
        Ok(streams
            .into_iter()
            .find(|s| s.name == name || Some(s.id) == by_id))
    }

    /// The project and stream to read from; both must exist.
    pub async fn existing(&self, args: &StreamArgs) -> anyhow::Result<(Named, Named)> {
        let project = self.find_project(&args.project).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "no project {:?} on {}: list them with `parallax projects`, or pass --project",
                args.project,
                self.base
            )
        })?;
        let stream = self.find_stream(project.id, &args.log_stream).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "no log stream {:?} in project {:?}: list them with `parallax log-streams --project {}`, or pass --log-stream",
                args.log_stream,
                project.name,
                project.name
            )
        })?;
        Ok((project, stream))
    }

    /// The project and stream to write to, created when missing.
    pub async fn existing_or_created(
        &self,
        args: &StreamArgs,
    ) -> anyhow::Result<(Named, Named, bool)> {
        let project = match self.find_project(&args.project).await? {
            Some(p) => p,
            None => {
                let body = json!({"name": args.project, "type": "gen_ai"});
                Named::from_json(&self.post("/projects", &body).await?)
                    .ok_or_else(|| anyhow::anyhow!("POST /projects answered without an id"))?
            }
        };
        match self.find_stream(project.id, &args.log_stream).await? {
            Some(s) => Ok((project, s, false)),
            None => {
                let path = format!("/projects/{}/log_streams", project.id);
                let made = self.post(&path, &json!({"name": args.log_stream})).await?;
                let stream = Named::from_json(&made)
                    .ok_or_else(|| anyhow::anyhow!("POST {path} answered without an id"))?;
                Ok((project, stream, true))
            }
        }
    }
}

async fn json_of(resp: reqwest::Response) -> Result<Value, RemoteError> {
    let url = resp.url().to_string();
    let text = resp.text().await.map_err(|e| RemoteError::Unreachable {
        url,
        cause: innermost(&e),
    })?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// reqwest's own message is only "error sending request"; the cause is at the bottom.
fn innermost(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Runs a command's async body on a runtime of its own.
pub fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_errors_point_at_the_character() {
        let e = RemoteError::Http {
            what: "POST".into(),
            status: 400,
            detail: "q: at 17: expected a value after \"=\", found end of input".into(),
        };
        let q = "tag:é and name =";
        let shown = e.for_query(q).to_string();
        assert_eq!(shown, "bad query: expected a value after \"=\", found end of input\n    tag:é and name =\n                    ^");
    }
}
