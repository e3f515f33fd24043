//! Console sessions: who is logged in, how the browser proves it, and how forms prove they came
//! from our own pages.
//!
//! A session is a random 256-bit id in an `HttpOnly`, `SameSite=Lax` cookie scoped to
//! `/console`, mapped to the user in a table held in memory ([`ConsoleState`]). Keeping the table
//! in memory is a deliberate trade: nothing about a browser session touches the database, and a
//! restart of the server logs every console user out (they log in again; API keys are not
//! affected). A cluster of several nodes would need sticky sessions or a shared table.
//!
//! Every POST form carries a CSRF token that belongs to the session (the synchroniser-token
//! pattern) and is compared in constant time; the login form, which has no session yet, uses a
//! double-submit cookie instead. Passwords are hashed with Argon2id (the `argon2` crate's
//! defaults: 19 MiB, 2 passes), off the async workers because hashing takes tens of milliseconds.

use super::layout::{forbidden_page, PageError};
use crate::error::ApiError;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use parallax_store::Role;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The cookie that names the session.
pub const SESSION_COOKIE: &str = "parallax_session";
/// The double-submit cookie of the login form.
pub const LOGIN_COOKIE: &str = "parallax_login";
/// A session ends this long after login, whatever happens in between.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// What the console keeps in memory: the live sessions, by id.
#[derive(Clone, Default)]
pub struct ConsoleState {
    sessions: Arc<Mutex<HashMap<String, ConsoleUser>>>,
}

/// A logged-in console user, as the session table holds it.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub session_id: String,
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    /// The token every POST form of this session must carry.
    pub csrf: String,
    expires: Instant,
}

impl ConsoleState {
    /// Starts a session for a user who has just proved their password; returns its id.
    pub fn start(&self, user: &parallax_store::User) -> ConsoleUser {
        let session = ConsoleUser {
            session_id: random_token(),
            user_id: user.id,
            email: user.email.clone(),
            role: user.role,
            csrf: random_token(),
            expires: Instant::now() + SESSION_LIFETIME,
        };
        let mut table = self.sessions.lock().expect("session table lock");
        let now = Instant::now();
        table.retain(|_, s| s.expires > now);
        table.insert(session.session_id.clone(), session.clone());
        session
    }

    pub fn get(&self, id: &str) -> Option<ConsoleUser> {
        let table = self.sessions.lock().expect("session table lock");
        table
            .get(id)
            .filter(|s| s.expires > Instant::now())
            .cloned()
    }

    pub fn end(&self, id: &str) {
        self.sessions.lock().expect("session table lock").remove(id);
    }
}

impl ConsoleUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), PageError> {
        if constant_time_eq(self.csrf.as_bytes(), given.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::new(
                ApiError::Forbidden("the form has expired or did not come from this console; reload the page and try again".into()),
            ))
        }
    }
}

/// 32 random bytes as hex: session ids and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    hex::encode(bytes)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for the session. No `Secure` flag: the server speaks plain HTTP and is
/// usually put behind a TLS proxy, which may add it.
pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/console; HttpOnly; SameSite=Lax; Max-Age={}",
        SESSION_LIFETIME.as_secs()
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub fn login_cookie(token: &str) -> String {
    format!("{LOGIN_COOKIE}={token}; Path=/console/login; HttpOnly; SameSite=Strict; Max-Age=3600")
}

/// An Argon2id PHC string for `password` with a fresh random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash`; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Where a rejected request goes: the login page, remembering the page it wanted.
fn to_login(parts: &Parts) -> Response {
    let wanted = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/console/");
    let next: String = serde_urlencoded::to_string([("next", wanted)]).unwrap_or_default();
    Redirect::to(&format!("/console/login?{next}")).into_response()
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<ConsoleUser, Response> {
        let console = parts
            .extensions
            .get::<ConsoleState>()
            .cloned()
            .unwrap_or_default();
        cookie(&parts.headers, SESSION_COOKIE)
            .and_then(|id| console.get(id))
            .ok_or_else(|| to_login(parts))
    }
}

/// A logged-in admin; anyone else gets a 403 page (the check is on the server, not in the menu).
pub struct AdminUser(pub ConsoleUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<AdminUser, Response> {
        let user = ConsoleUser::from_request_parts(parts, state).await?;
        if user.is_admin() {
            Ok(AdminUser(user))
        } else {
            Err(forbidden_page(
                &user,
                "Only admins can manage users and API keys.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsE", &h));
        assert!(!verify_password("correct horse", "not a phc string"));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; parallax_session=abc".parse().unwrap());
        h.append(header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "parallax"), None);
    }

    #[test]
    fn sessions_start_and_end() {
        let state = ConsoleState::default();
        let user = parallax_store::User {
            id: Uuid::new_v4(),
            email: "a@b.c".into(),
            role: Role::Viewer,
            password_hash: String::new(),
            created_at: parallax_model::Timestamp(0),
        };
        let s = state.start(&user);
        assert_eq!(state.get(&s.session_id).unwrap().email, "a@b.c");
        assert!(s.check_csrf(&s.csrf).is_ok());
        assert!(s.check_csrf("forged").is_err());
        state.end(&s.session_id);
        assert!(state.get(&s.session_id).is_none());
    }
}
