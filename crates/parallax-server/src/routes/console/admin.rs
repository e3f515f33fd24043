//! Admin pages: console users (create with a role) and API keys (create, list, revoke). Every
//! handler takes [`AdminUser`], so a viewer or annotator gets a 403 from the server whatever
//! links they follow, and every form checks the session's CSRF token.
//!
//! A new API key is shown once, on the page that answers the form, and stored only as a hash,
//! like keys made by `parallax keys create`.

use super::format::relative;
use super::layout::{self, Crumb, PageError, PageResult};
use super::session::{hash_password, AdminUser, ConsoleUser};
use crate::auth::{generate_key, hash_key, key_prefix};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use parallax_model::Timestamp;
use parallax_store::{ApiKey, NewApiKey, NewUser, Project, Role, StoreError, User};
use serde::Deserialize;
use uuid::Uuid;

/// The shortest password the console accepts.
pub const MIN_PASSWORD: usize = 10;

/// Checks a new user's e-mail and password; the message says what to change.
pub fn check_new_user(email: &str, password: &str) -> Result<(), String> {
    let email = email.trim();
    let valid_email = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !email.contains(char::is_whitespace)
        });
    if !valid_email {
        return Err(format!("{email:?} is not an e-mail address"));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD} characters"
        ));
    }
    Ok(())
}

fn role_select(name: &str, selected: Role) -> Markup {
    html! {
        select name=(name) {
            @for r in [Role::Viewer, Role::Annotator, Role::Admin] {
                option value=(r.as_str()) selected[r == selected] { (r.as_str()) }
            }
        }
    }
}

fn users_page(
    user: &ConsoleUser,
    users: &[User],
    message: Option<(bool, String)>,
    status: StatusCode,
) -> Response {
    let now = Timestamp::now();
    let body = html! {
        h1 { "Users" }
        @if let Some((ok, m)) = &message { p class=(if *ok { "notice ok" } else { "notice error" }) role="status" { (m) } }
        table.grid.compact {
            thead { tr { th { "E-mail" } th { "Role" } th { "Created" } } }
            tbody {
                @for u in users {
                    tr { td { (u.email) } td { span.badge { (u.role.as_str()) } } td { (relative(u.created_at, now)) } }
                }
            }
        }
        section.card {
            h2 { "Add a user" }
            form.stack method="post" action="/console/admin/users" {
                input type="hidden" name="csrf" value=(user.csrf);
                label { "E-mail" input type="email" name="email" required; }
                label { "Password (at least " (MIN_PASSWORD) " characters)" input type="password" name="password" required minlength=(MIN_PASSWORD) autocomplete="new-password"; }
                label { "Role " (role_select("role", Role::Viewer)) }
                p.small.dim { "Admins manage users and keys; annotators may annotate; viewers only read." }
                button.primary type="submit" { "Add user" }
            }
        }
    };
    let crumbs = [Crumb::link("Projects", "/console/"), Crumb::here("Users")];
    (status, layout::page(user, "Users", &crumbs, body)).into_response()
}

pub async fn users(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> PageResult<Response> {
    let all = state.store(|s| s.users()).await?;
    Ok(users_page(&user, &all, None, StatusCode::OK))
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    email: String,
    password: String,
    role: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Form(f): Form<NewUserForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let role = Role::parse(&f.role)
        .ok_or_else(|| PageError::bad_request(format!("unknown role {:?}", f.role)))?;
    let email = f.email.trim().to_owned();
    let outcome = match check_new_user(&email, &f.password) {
        Err(why) => Err(why),
        Ok(()) => {
            let password = f.password;
            let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(ApiError::from)?
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let new = NewUser {
                email: email.clone(),
                role,
                password_hash,
            };
            match state
                .store(move |s| {
                    s.create_user(new).map(Some).or_else(|e| match e {
                        StoreError::Conflict(_) => Ok(None),
                        other => Err(other),
                    })
                })
                .await?
            {
                Some(_) => Ok(format!("Added {email} as {}.", role.as_str())),
                None => Err(format!("a user with the e-mail {email} already exists")),
            }
        }
    };
    let all = state.store(|s| s.users()).await?;
    Ok(match outcome {
        Ok(m) => {
            tracing::info!(by = %user.email, %email, role = role.as_str(), "console user created");
            users_page(&user, &all, Some((true, m)), StatusCode::OK)
        }
        Err(m) => users_page(
            &user,
            &all,
            Some((false, m)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    })
}

fn scope_text(key: &ApiKey, projects: &[Project]) -> String {
    match &key.projects {
        None => "all projects".into(),
        Some(ids) => ids
            .iter()
            .map(|id| {
                projects
                    .iter()
                    .find(|p| p.id == *id)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| id.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn keys_page(
    user: &ConsoleUser,
    keys: &[ApiKey],
    projects: &[Project],
    created: Option<(String, String)>,
) -> Response {
    let now = Timestamp::now();
    let body = html! {
        h1 { "API keys" }
        @if let Some((name, secret)) = &created {
            section.notice.ok role="status" {
                p { "Created the key " strong { (name) } ". Copy it now: it is shown only this once." }
                pre #new-key.code { (secret) }
            }
        }
        table.grid.compact {
            thead { tr { th { "Name" } th { "Prefix" } th { "Role" } th { "Projects" } th { "Created" } th { "State" } th {} } }
            tbody {
                @for k in keys {
                    tr.revoked[k.revoked_at.is_some()] {
                        td { (k.name) }
                        td.mono { (k.prefix) "…" }
                        td { span.badge { (k.role.as_str()) } }
                        td { (scope_text(k, projects)) }
                        td { (relative(k.created_at, now)) }
                        td { @match k.revoked_at { Some(t) => span.dim { "revoked " (relative(t, now)) }, None => "live" } }
                        td {
                            @if k.revoked_at.is_none() {
                                form method="post" action=(format!("/console/admin/keys/{}/revoke", k.id)) {
                                    input type="hidden" name="csrf" value=(user.csrf);
                                    button.danger type="submit" { "Revoke" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "Create a key" }
            form.stack method="post" action="/console/admin/keys" {
                input type="hidden" name="csrf" value=(user.csrf);
                label { "Name" input type="text" name="name" required maxlength="100" placeholder="e.g. production app"; }
                label { "Role " (role_select("role", Role::Annotator)) }
                fieldset {
                    legend { "Projects (none checked: every project)" }
                    @for p in projects { label.check { input type="checkbox" name="project" value=(p.id); " " (p.name) } }
                }
                button.primary type="submit" { "Create key" }
            }
        }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::here("API keys"),
    ];
    layout::page(user, "API keys", &crumbs, body)
}

pub async fn keys(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> PageResult<Response> {
    let (keys, projects) = state.store(|s| Ok((s.api_keys()?, s.projects()?))).await?;
    Ok(keys_page(&user, &keys, &projects, None))
}

/// `POST /console/admin/keys`. Read as raw pairs because `project` repeats.
pub async fn create_key(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    RawForm(raw): RawForm,
) -> PageResult<Response> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&raw).map_err(|_| PageError::bad_request("malformed form"))?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    user.check_csrf(get("csrf"))?;
    let name = get("name").trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(PageError::bad_request(
            "a key needs a name of 1 to 100 characters",
        ));
    }
    let role = Role::parse(get("role")).ok_or_else(|| PageError::bad_request("unknown role"))?;
    let ids: Vec<Uuid> = pairs
        .iter()
        .filter(|(k, _)| k == "project")
        .map(|(_, v)| Uuid::parse_str(v).map_err(|_| PageError::bad_request("unknown project")))
        .collect::<Result<_, _>>()?;
    let secret = generate_key();
    let new = NewApiKey {
        name: name.clone(),
        prefix: key_prefix(&secret),
        hash: hash_key(&secret),
        role,
        projects: (!ids.is_empty()).then_some(ids),
    };
    let (keys, projects) = state
        .store(move |s| {
            s.create_api_key(new)?;
            Ok((s.api_keys()?, s.projects()?))
        })
        .await?;
    tracing::info!(by = %user.email, key = %name, role = role.as_str(), "API key created in the console");
    Ok(keys_page(&user, &keys, &projects, Some((name, secret))))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn revoke_key(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let id = Uuid::parse_str(&id).map_err(|_| PageError::not_found("no such key"))?;
    let revoked = state
        .store(move |s| s.revoke_api_key(&id.to_string()))
        .await?;
    if !revoked {
        return Err(PageError::not_found("no live key with this id"));
    }
    tracing::info!(by = %user.email, key = %id, "API key revoked in the console");
    Ok(Redirect::to("/console/admin/keys").into_response())
}

#[cfg(test)]
mod tests {
    use super::check_new_user;

    #[test]
    fn new_users_need_an_address_and_a_long_password() {
        assert!(check_new_user("ada@example.com", "0123456789").is_ok());
        assert!(check_new_user("ada", "0123456789").is_err());
        assert!(check_new_user("a b@c.d", "0123456789").is_err());
        assert!(check_new_user("ada@example.com", "short").is_err());
    }
}
