//! API keys over HTTP, for `parallax keys --url …`: create (the secret is answered once and
//! never stored in clear), list, revoke. Admin only.
//!
//! A key limited to some projects may not manage keys even with the admin role: it could
//! otherwise mint itself an unlimited key, which would make the project scope meaningless.

use crate::auth::{generate_key, hash_key, key_prefix, Principal};
use crate::error::{ApiError, ApiResult};
use crate::json;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use parallax_store::{ApiKey, NewApiKey, Role};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

fn require_key_admin(who: &Principal) -> ApiResult<()> {
    who.require_role(Role::Admin)?;
    if who.key.projects.is_some() {
        return Err(ApiError::Forbidden(
            "this API key is limited to some projects and cannot manage keys; use an unlimited admin key".into(),
        ));
    }
    Ok(())
}

/// A key as listed: never its secret, only the prefix that tells keys apart.
pub fn key_json(k: &ApiKey) -> Value {
    json!({
        "id": k.id.to_string(),
        "name": k.name,
        "prefix": k.prefix,
        "role": k.role.as_str(),
        "projects": k.projects.as_ref().map(|ids| ids.iter().map(Uuid::to_string).collect::<Vec<_>>()),
        "created_at": k.created_at.to_rfc3339(),
        "revoked_at": k.revoked_at.map(|t| t.to_rfc3339()),
        "state": if k.revoked_at.is_some() { "revoked" } else { "live" },
    })
}

#[derive(Deserialize)]
pub struct CreateKey {
    name: Option<String>,
    role: Option<String>,
    /// Project names or ids; absent or null means every project.
    projects: Option<Vec<String>>,
}

pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    require_key_admin(&who)?;
    let req: CreateKey = json::parse(&body)?;
    let role_name = req.role.unwrap_or_else(|| "annotator".into());
    let role = Role::parse(&role_name).ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "role: unknown role {role_name:?}; use admin, annotator or viewer"
        ))
    })?;
    let scope = match req.projects {
        None => None,
        Some(names) => Some(resolve_projects(&state, names).await?),
    };
    let key = generate_key();
    let new = NewApiKey {
        name: req
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "api key".into()),
        prefix: key_prefix(&key),
        hash: hash_key(&key),
        role,
        projects: scope,
    };
    let made = state.store(move |s| s.create_api_key(new)).await?;
    tracing::info!(key = %made.id, role = made.role.as_str(), by = %who.key.id, "api key created");
    let mut out = key_json(&made);
    out["key"] = Value::String(key);
    Ok(Json(out))
}

/// Each entry is a project id or an exact project name; an unknown one is a 422 naming it.
async fn resolve_projects(state: &AppState, names: Vec<String>) -> ApiResult<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(names.len());
    for (i, raw) in names.into_iter().enumerate() {
        let lookup = raw.clone();
        let found = state
            .store(move |s| match Uuid::parse_str(&lookup) {
                Ok(id) => s.project(id),
                Err(_) => s.project_by_name(lookup.trim()),
            })
            .await?;
        match found {
            Some(p) => ids.push(p.id),
            None => {
                return Err(ApiError::Unprocessable(format!(
                    "projects[{i}]: no project named or with id {raw:?}"
                )))
            }
        }
    }
    Ok(ids)
}

pub async fn list(State(state): State<AppState>, who: Principal) -> ApiResult<Json<Value>> {
    require_key_admin(&who)?;
    let keys = state.store(|s| s.api_keys()).await?;
    Ok(Json(
        json!({"keys": keys.iter().map(key_json).collect::<Vec<_>>()}),
    ))
}

/// Revokes by id or by the printed prefix, as the local `parallax keys revoke` does.
pub async fn revoke(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_key_admin(&who)?;
    let target = id.clone();
    if !state.store(move |s| s.revoke_api_key(&target)).await? {
        return Err(ApiError::NotFound(format!(
            "no live key has the id or prefix {id:?}"
        )));
    }
    tracing::info!(key = %id, by = %who.key.id, "api key revoked");
    Ok(Json(json!({"revoked": true, "id": id})))
}
