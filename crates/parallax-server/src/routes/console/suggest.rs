//! `GET /console/api/suggest`: the vocabulary the filter bar suggests while a person types —
//! metadata keys, the values of one key, and tags — from the stream's own data, most used first.
//!
//! `?project=<id>&stream=<id>&kind=key|value|tag&key=<metadata key>&prefix=<typed text>` answers
//! `{"items": [{"value": "physics", "count": 12}, …]}`. Matching is by prefix, ignoring case for
//! keys and tags (a person typing `prom` wants `promptVersion`); values use the store's prefix.

use super::layout::{PageError, PageResult};
use super::projects::load_stream;
use super::session::ConsoleUser;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// Suggestions per answer.
const LIMIT: usize = 20;

#[derive(Deserialize)]
pub struct SuggestQuery {
    project: String,
    stream: String,
    kind: String,
    key: Option<String>,
    #[serde(default)]
    prefix: String,
}

fn starts_with_ignoring_case(s: &str, prefix: &str) -> bool {
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}

pub fn pick(items: Vec<(String, u64)>, prefix: &str) -> Vec<Value> {
    items
        .into_iter()
        .filter(|(v, _)| starts_with_ignoring_case(v, prefix))
        .take(LIMIT)
        .map(|(value, count)| json!({"value": value, "count": count}))
        .collect()
}

pub async fn suggest(
    State(state): State<AppState>,
    _user: ConsoleUser,
    Query(q): Query<SuggestQuery>,
) -> PageResult<Json<Value>> {
    let (project, stream) = load_stream(&state, &q.project, &q.stream).await?;
    let (p, s, prefix) = (project.id, stream.id, q.prefix.clone());
    let items = match q.kind.as_str() {
        "key" => {
            let keys = state.store(move |st| st.metadata_keys(p, s)).await?;
            pick(
                keys.into_iter().map(|k| (k.key, k.records)).collect(),
                &prefix,
            )
        }
        "tag" => pick(state.store(move |st| st.tags(p, s)).await?, &prefix),
        "value" => {
            let key = q
                .key
                .filter(|k| !k.is_empty())
                .ok_or_else(|| PageError::bad_request("kind=value needs a key"))?;
            let values = state
                .store(move |st| {
                    st.metadata_values(
                        p,
                        s,
                        &key,
                        Some(prefix.as_str()).filter(|p| !p.is_empty()),
                        LIMIT,
                    )
                })
                .await?;
            pick(values, "")
        }
        other => {
            return Err(PageError::bad_request(format!(
                "unknown kind {other:?}; use key, value or tag"
            )))
        }
    };
    Ok(Json(json!({"items": items})))
}

#[cfg(test)]
mod tests {
    use super::pick;

    #[test]
    fn prefixes_ignore_case_and_keep_order() {
        let items = vec![
            ("promptVersion".to_string(), 5),
            ("field".to_string(), 9),
            ("Prompt".to_string(), 1),
        ];
        let got: Vec<String> = pick(items, "prom")
            .iter()
            .map(|v| v["value"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, vec!["promptVersion", "Prompt"]);
    }
}
