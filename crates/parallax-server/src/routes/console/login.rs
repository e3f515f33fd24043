//! Logging in and out of the console.
//!
//! The login form has no session to tie a CSRF token to, so it uses a double-submit cookie: the
//! form and a `SameSite=Strict` cookie carry the same random token. A wrong e-mail and a wrong
//! password get the same answer, and an unknown e-mail still costs one Argon2 verification so
//! the response time does not tell which e-mails exist.

use super::layout::{bare_page, PageError};
use super::session::{
    clear_session_cookie, constant_time_eq, cookie, hash_password, login_cookie, random_token,
    session_cookie, verify_password, ConsoleState, ConsoleUser, LOGIN_COOKIE,
};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::html;
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path inside the console may be a redirect target (no open redirect to other sites).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console/") && !n.starts_with("//") && !n.contains('\\') => {
            n.to_owned()
        }
        _ => "/console/".to_owned(),
    }
}

fn login_page(status: StatusCode, next: &str, email: &str, error: Option<&str>) -> Response {
    let token = random_token();
    let body = bare_page(
        "Log in",
        html! {
            div.login {
                h1 { span.logo { "◆" } " Parallax" }
                p.muted { "Log in to the console." }
                @if let Some(e) = error {
                    p.notice.error role="alert" { (e) }
                }
                form method="post" action="/console/login" {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="next" value=(next);
                    label { "E-mail" input #email type="email" name="email" value=(email) required autofocus autocomplete="username"; }
                    label { "Password" input #password type="password" name="password" required autocomplete="current-password"; }
                    button.primary type="submit" { "Log in" }
                }
            }
        },
    );
    (
        status,
        [(header::SET_COOKIE, login_cookie(&token))],
        Html(body.into_string()),
    )
        .into_response()
}

pub async fn form(
    Extension(console): Extension<ConsoleState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if cookie(&headers, super::session::SESSION_COOKIE)
        .and_then(|id| console.get(id))
        .is_some()
    {
        return Redirect::to(&next).into_response();
    }
    login_page(StatusCode::OK, &next, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// A PHC string to verify against when the e-mail is unknown, so both paths cost the same.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never valid").unwrap_or_default())
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(console): Extension<ConsoleState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(f.next.as_deref());
    let cookie_token = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !constant_time_eq(cookie_token.as_bytes(), f.csrf.as_bytes()) {
        return Ok(login_page(
            StatusCode::FORBIDDEN,
            &next,
            &f.email,
            Some("The login form expired. Please try again."),
        ));
    }
    let email = f.email.trim().to_owned();
    let lookup = email.clone();
    let user = state.store(move |s| s.user_by_email(&lookup)).await?;
    let password = f.password;
    let (user, ok) = tokio::task::spawn_blocking(move || {
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.as_str())
            .unwrap_or_else(|| decoy_hash());
        let ok = verify_password(&password, hash);
        (user, ok)
    })
    .await
    .map_err(ApiError::from)?;
    match user {
        Some(user) if ok => {
            let session = console.start(&user);
            tracing::info!(email = %user.email, role = user.role.as_str(), "console login");
            Ok((
                [(header::SET_COOKIE, session_cookie(&session.session_id))],
                Redirect::to(&next),
            )
                .into_response())
        }
        _ => {
            tracing::info!(%email, "console login refused");
            Ok(login_page(
                StatusCode::UNAUTHORIZED,
                &next,
                &email,
                Some("Wrong e-mail or password."),
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    user: ConsoleUser,
    Extension(console): Extension<ConsoleState>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    console.end(&user.session_id);
    Ok((
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/console/login"),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn redirects_stay_in_the_console() {
        assert_eq!(
            safe_next(Some("/console/projects/x?q=a")),
            "/console/projects/x?q=a"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/console/");
        assert_eq!(safe_next(Some("//evil.example/console/")), "/console/");
        assert_eq!(safe_next(None), "/console/");
    }
}
