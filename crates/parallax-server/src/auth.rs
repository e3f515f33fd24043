//! Authentication: API keys (stored as SHA-256 hashes), the HS256 access tokens that
//! `POST /login/api_key` issues, and the [`Principal`] extractor every protected route takes.
//!
//! A key is 160 random bits, so a fast hash is enough to store it safely: there is no dictionary
//! to try. Passwords (console users) are different and use Argon2 in the console module.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use parallax_store::{ApiKey, Role};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Access tokens live this long; the SDK re-logs in when fewer than 300 s remain.
pub const TOKEN_SECONDS: i64 = 3600 * 8;

/// A new random API key: a recognisable prefix and 40 hex digits.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    format!("plx_{}", hex::encode(bytes))
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The part of a key shown in listings so people can tell keys apart.
pub fn key_prefix(key: &str) -> String {
    key.chars().take(12).collect()
}

fn sign(secret: &[u8], message: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Issues an HS256 JWT whose subject is the key id.
pub fn issue_token(secret: &[u8], key_id: Uuid, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({"sub": key_id.to_string(), "iat": now, "exp": now + TOKEN_SECONDS});
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(sign(secret, &signing_input));
    format!("{signing_input}.{sig}")
}

/// Checks a token's signature and expiry and returns its subject.
pub fn verify_token(secret: &[u8], token: &str, now: i64) -> Result<Uuid, &'static str> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the access token is not a JWT");
    };
    let expected = sign(secret, &format!("{h}.{p}"));
    let given = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| "the access token signature is malformed")?;
    if !constant_time_eq(&expected, &given) {
        return Err("the access token signature is invalid");
    }
    let claims: Value = URL_SAFE_NO_PAD
        .decode(p)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the access token payload is malformed")?;
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) {
        return Err("the access token has expired; log in again");
    }
    claims["sub"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or("the access token has no subject")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Who is calling: an API key (directly or through a token it was exchanged for).
#[derive(Debug, Clone)]
pub struct Principal {
    pub key: ApiKey,
}

impl Principal {
    /// 404 rather than 403 for another project's data, so a key cannot probe which ids exist.
    pub fn check_project(&self, project_id: Uuid) -> ApiResult<()> {
        if self.key.may_access(project_id) {
            Ok(())
        } else {
            Err(ApiError::NotFound(format!(
                "project {project_id} not found"
            )))
        }
    }

    pub fn require_role(&self, at_least: Role) -> ApiResult<()> {
        let rank = |r: Role| match r {
            Role::Viewer => 0,
            Role::Annotator => 1,
            Role::Admin => 2,
        };
        if rank(self.key.role) >= rank(at_least) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this API key has the role {}; this action needs {}",
                self.key.role.as_str(),
                at_least.as_str()
            )))
        }
    }
}

/// Finds the live key for a raw key string.
pub async fn key_for_secret(state: &AppState, raw: &str) -> ApiResult<Option<ApiKey>> {
    let hash = hash_key(raw);
    state.store(move |s| s.api_key_by_hash(&hash)).await
}

const MISSING: &str =
    "missing credentials: send `Authorization: Bearer <token or API key>` or an `X-API-Key` header";

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Principal> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let raw_key = header("x-api-key").or_else(|| header("galileo-api-key"));
        let bearer = header("authorization").and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
                .map(str::trim)
        });
        let key = match (raw_key, bearer) {
            (Some(raw), _) => key_for_secret(state, raw).await?,
            (None, Some(token)) if token.starts_with("plx_") || !token.contains('.') => {
                key_for_secret(state, token).await?
            }
            (None, Some(token)) => {
                let id = verify_token(&state.secret, token, unix_now())
                    .map_err(|m| ApiError::Unauthenticated(m.into()))?;
                state.store(move |s| s.api_key(id)).await?
            }
            (None, None) => return Err(ApiError::Unauthenticated(MISSING.into())),
        };
        let key = key
            .ok_or_else(|| ApiError::Unauthenticated("the API key is unknown or revoked".into()))?;
        state
            .rate
            .check(key.id, std::time::Instant::now())
            .map_err(|wait| {
                ApiError::TooManyRequests(
                    format!(
                    "this API key is over its limit of {} requests per second; retry in {wait} s",
                    state.config.rate_limit_per_second
                ),
                    wait,
                )
            })?;
        Ok(Principal { key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_expire() {
        let id = Uuid::new_v4();
        let t = issue_token(b"secret", id, 1000);
        assert_eq!(verify_token(b"secret", &t, 1001), Ok(id));
        assert!(verify_token(b"other", &t, 1001).is_err());
        assert_eq!(
            verify_token(b"secret", &t, 1000 + TOKEN_SECONDS),
            Err("the access token has expired; log in again")
        );
        assert!(verify_token(b"secret", "opaque", 0).is_err());
    }
}
