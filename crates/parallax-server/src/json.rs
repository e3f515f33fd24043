//! Reading JSON bodies with errors that name the problem (and its line and column), instead of
//! the extractor's generic rejection.

use crate::error::{ApiError, ApiResult};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Parses a body as JSON; malformed JSON is a 400 naming where it broke.
pub fn parse_value(body: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON body: {e}")))
}

/// Parses a body into a typed request; a field of the wrong type is a 422 naming the field.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let value = parse_value(body)?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::Unprocessable(format!("invalid request body: {e}")))
}
