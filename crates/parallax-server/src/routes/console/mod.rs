//! The console: server-rendered HTML pages under `/console/`, served by the same binary.
//!
//! Every page is rendered on the server with `maud` (auto-escaping) and works without script;
//! one small script (`assets/console.js`) adds suggestions to the filter bar. The stylesheet and
//! the script are compiled into the binary with `include_str!`, so `cargo build` alone produces
//! the console and nothing is fetched at run time. Every response carries a strict
//! Content-Security-Policy (see [`layout::CSP`]).
//!
//! One module per page or resource: [`login`] and [`session`] (who is logged in), [`projects`],
//! [`log_stream`] (the table, with [`view`] for its URL parameters and [`table`] for its cells),
//! [`trace`] (with [`io`] for inputs and outputs), [`group_by`] (with [`chart`] for its SVG),
//! [`quarantine`], [`export`], [`suggest`] and [`admin`].
//!
//! Human review (issue 5) adds: inline annotation and history in the trace page's Parameters
//! ([`parameters`], posting to [`annotate`]), stepping through a filter record by record
//! ([`nav`]), bulk annotation from the log stream ([`bulk`]) as jobs with progress and undo
//! ([`jobs`]), the tag and key registries with the PII policy ([`registry`]), tag colours
//! ([`colours`]) and PII warnings ([`pii`]); [`review`] holds what they share, including the
//! role check every review POST makes.
//!
//! Console users are separate from API keys: they log in with e-mail and password and carry a
//! role (admin, annotator, viewer) that applies to every project.

mod admin;
mod annotate;
mod bulk;
mod chart;
mod colours;
mod export;
mod format;
mod group_by;
mod io;
mod jobs;
mod layout;
mod log_stream;
mod login;
mod nav;
mod parameters;
mod pii;
mod projects;
mod quarantine;
mod registry;
mod review;
mod session;
mod suggest;
mod table;
mod trace;
mod view;

pub use session::ConsoleState;

use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{middleware, Extension, Router};
use parallax_store::{NewUser, Role};

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");
const FAVICON: &str = include_str!("assets/favicon.svg");

/// The console's routes, with their own session table and security headers.
pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(projects::list))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route("/console/projects/{pid}", get(projects::one))
        .route(
            "/console/projects/{pid}/log-streams/{sid}",
            get(log_stream::page),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/group-by",
            get(group_by::page),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/quarantine",
            get(quarantine::page).post(quarantine::act),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/export",
            get(export::download),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/bulk",
            post(bulk::submit),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/registry",
            get(registry::page),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/registry/tags",
            post(registry::set_tag),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/registry/tags/rename",
            post(registry::rename),
        )
        .route(
            "/console/projects/{pid}/log-streams/{sid}/registry/keys",
            post(registry::set_key),
        )
        .route(
            "/console/projects/{pid}/pii-policy",
            post(registry::set_policy),
        )
        .route("/console/projects/{pid}/tags.css", get(colours::css))
        .route(
            "/console/projects/{pid}/traces/{tid}",
            get(trace::show).post(annotate::act),
        )
        .route("/console/projects/{pid}/jobs", get(jobs::list))
        .route("/console/projects/{pid}/jobs/{jid}", get(jobs::page))
        .route("/console/projects/{pid}/jobs/{jid}/undo", post(jobs::undo))
        .route("/console/api/projects/{pid}/jobs/{jid}", get(jobs::json))
        .route("/console/api/suggest", get(suggest::suggest))
        .route(
            "/console/admin/users",
            get(admin::users).post(admin::create_user),
        )
        .route(
            "/console/admin/keys",
            get(admin::keys).post(admin::create_key),
        )
        .route("/console/admin/keys/{id}/revoke", post(admin::revoke_key))
        .route(
            "/console/assets/console.css",
            get(|| asset("text/css; charset=utf-8", CSS)),
        )
        .route(
            "/console/assets/console.js",
            get(|| asset("text/javascript; charset=utf-8", JS)),
        )
        .route(
            "/console/assets/favicon.svg",
            get(|| asset("image/svg+xml", FAVICON)),
        )
        .layer(middleware::map_response(layout::security_headers))
        .layer(Extension(ConsoleState::default()));
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/") }))
        .merge(pages)
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// On first start, creates the console's first admin from `PARALLAX_INIT_ADMIN_EMAIL` and
/// `PARALLAX_INIT_ADMIN_PASSWORD` when no console user exists yet. Later starts change nothing,
/// so the variables can stay set.
pub async fn ensure_first_admin(state: &AppState) -> anyhow::Result<()> {
    let err = |e: crate::error::ApiError| anyhow::anyhow!("{e}");
    let users = state.store(|s| s.users()).await.map_err(err)?;
    if !users.is_empty() {
        return Ok(());
    }
    let (email, password) = match (
        &state.config.init_admin_email,
        &state.config.init_admin_password,
    ) {
        (Some(e), Some(p)) if !e.trim().is_empty() && !p.is_empty() => {
            (e.trim().to_owned(), p.clone())
        }
        _ => {
            tracing::info!("no console user yet; set PARALLAX_INIT_ADMIN_EMAIL and PARALLAX_INIT_ADMIN_PASSWORD to create the first admin");
            return Ok(());
        }
    };
    // A short password is accepted here (it was chosen by whoever runs the server) but not in
    // the console's user form.
    if let Err(why) = admin::check_new_user(&email, &password) {
        if !email.contains('@') {
            anyhow::bail!("PARALLAX_INIT_ADMIN_EMAIL: {why}");
        }
        tracing::warn!("PARALLAX_INIT_ADMIN_PASSWORD: {why}; change it soon");
    }
    let password_hash =
        tokio::task::spawn_blocking(move || session::hash_password(&password)).await??;
    let new = NewUser {
        email: email.clone(),
        role: Role::Admin,
        password_hash,
    };
    state
        .store(move |s| s.create_user(new))
        .await
        .map_err(err)?;
    tracing::info!(%email, "created the first console admin");
    Ok(())
}
