//! How a record's body (input, output and other fields, as JSON) is stored: as text when short,
//! deflated when that is smaller.
//!
//! The body is most of a record's bytes (the benchmark: ~1,000 B of a 1,560 B record at 1M
//! spans) and LLM text compresses well. Compression runs on the request's thread, never on the
//! writer, at the fastest level; SQL that looks inside a body reads it through `plx_body`, which
//! inflates a compressed one, so filters like `input ~ "newton"` see the same JSON either way.

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use rusqlite::types::{Value, ValueRef};
use std::io::{Read, Write};

/// Bodies shorter than this stay text: deflate gains little on them.
const MIN_COMPRESSED: usize = 256;

/// The column value for a body: text, or a BLOB of deflated JSON when that is smaller.
pub fn encode(json: String) -> Value {
    if json.len() < MIN_COMPRESSED {
        return Value::Text(json);
    }
    let mut enc = DeflateEncoder::new(Vec::with_capacity(json.len() / 2), Compression::fast());
    let packed = enc.write_all(json.as_bytes()).and_then(|_| enc.finish());
    match packed {
        Ok(bytes) if bytes.len() < json.len() => Value::Blob(bytes),
        _ => Value::Text(json),
    }
}

/// The JSON text of a stored body, whichever way it was stored.
pub fn decode(v: ValueRef) -> Option<String> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_owned),
        ValueRef::Blob(b) => {
            let mut out = String::with_capacity(b.len() * 3);
            DeflateDecoder::new(b)
                .read_to_string(&mut out)
                .ok()
                .map(|_| out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long_bodies() {
        for json in [
            r#"{"i":"q"}"#.to_owned(),
            format!(
                r#"{{"i":"{}"}}"#,
                "Newton's first law of motion ".repeat(40)
            ),
        ] {
            let stored = encode(json.clone());
            let back = match &stored {
                Value::Text(t) => decode(ValueRef::Text(t.as_bytes())),
                Value::Blob(b) => decode(ValueRef::Blob(b)),
                _ => None,
            };
            assert_eq!(back.as_deref(), Some(json.as_str()));
        }
        assert!(
            matches!(encode("x".repeat(1000)), Value::Blob(_)),
            "long text is deflated"
        );
    }
}
