//! How a record's body (input, output and other fields, as JSON) is stored: as text when short,
//! compressed when that is smaller.
//!
//! The body is most of a record's bytes (the benchmark: ~840 B of JSON per record) and LLM text
//! compresses well. Compression runs on the request's thread, never on the writer, with zstd at
//! level 1 through a compressor each thread keeps (building one per record cost more than the
//! compression itself). SQL that looks inside a body reads it through `plx_body`, which
//! decompresses, so filters like `input ~ "newton"` see the same JSON either way.
//!
//! A stored body is one of:
//! - TEXT: the JSON itself;
//! - a BLOB starting with [`ZSTD`]: a zstd frame (with its content size) follows;
//! - any other BLOB: raw deflate, as data directories written before zstd hold. 0xFE can never
//!   start a raw deflate stream (its block-type bits, 11, are reserved), so the two never mix up.

use flate2::read::DeflateDecoder;
use rusqlite::types::{Value, ValueRef};
use std::cell::RefCell;
use std::io::{Cursor, Read};

/// Bodies shorter than this stay text: compression gains little on them.
const MIN_COMPRESSED: usize = 256;

/// The first byte of a zstd-compressed body.
const ZSTD: u8 = 0xFE;

/// zstd level 1: on the benchmark's bodies it compresses as well as deflate's fastest level
/// (47% of the JSON) in a third of the time, and decompresses five times faster.
const LEVEL: i32 = 1;

/// The largest body a zstd frame may declare; a frame claiming more is treated as corrupt
/// rather than trusted with an allocation. Far above any request body the server accepts.
const MAX_BODY: u64 = 1 << 30;

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// The column value for a body: text, or a BLOB of compressed JSON when that is smaller.
pub fn encode(json: String) -> Value {
    if json.len() < MIN_COMPRESSED {
        return Value::Text(json);
    }
    match compress(json.as_bytes()) {
        Some(bytes) if bytes.len() < json.len() => Value::Blob(bytes),
        _ => Value::Text(json),
    }
}

fn compress(data: &[u8]) -> Option<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Compressor::new(LEVEL).ok()?);
        }
        let compressor = slot.as_mut()?;
        let mut out = Vec::with_capacity(1 + zstd::zstd_safe::compress_bound(data.len()));
        out.push(ZSTD);
        let mut cursor = Cursor::new(out);
        cursor.set_position(1);
        compressor.compress_to_buffer(data, &mut cursor).ok()?;
        Some(cursor.into_inner())
    })
}

/// The JSON text of a stored body, whichever way it was stored; `None` when it cannot be read.
pub fn decode(v: ValueRef) -> Option<String> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_owned),
        ValueRef::Blob([ZSTD, frame @ ..]) => {
            let size = zstd::zstd_safe::get_frame_content_size(frame).ok()??;
            if size > MAX_BODY {
                return None;
            }
            let bytes = DECOMPRESSOR.with(|cell| {
                let mut slot = cell.borrow_mut();
                if slot.is_none() {
                    *slot = Some(zstd::bulk::Decompressor::new().ok()?);
                }
                slot.as_mut()?.decompress(frame, size as usize).ok()
            })?;
            String::from_utf8(bytes).ok()
        }
        ValueRef::Blob(deflated) => {
            let mut out = String::with_capacity(deflated.len() * 3);
            DeflateDecoder::new(deflated)
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
    use flate2::write::DeflateEncoder;
    use std::io::Write;

    fn read_back(stored: &Value) -> Option<String> {
        match stored {
            Value::Text(t) => decode(ValueRef::Text(t.as_bytes())),
            Value::Blob(b) => decode(ValueRef::Blob(b)),
            _ => None,
        }
    }

    #[test]
    fn round_trips_short_and_long_bodies() {
        for json in [
            r#"{"i":"q"}"#.to_owned(),
            format!(
                r#"{{"i":"{}"}}"#,
                "Newton's first law of motion ".repeat(40)
            ),
            format!(r#"{{"i":"{}"}}"#, "ünïcödé – 数学 ".repeat(100)),
        ] {
            assert_eq!(
                read_back(&encode(json.clone())).as_deref(),
                Some(json.as_str())
            );
        }
        let stored = encode("x".repeat(1000));
        assert!(
            matches!(&stored, Value::Blob(b) if b[0] == ZSTD && b.len() < 100),
            "long text is compressed with zstd"
        );
    }

    #[test]
    fn reads_bodies_deflated_by_earlier_versions() {
        let json = format!(r#"{{"o":"{}"}}"#, "the quick brown fox ".repeat(30));
        let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(json.as_bytes()).unwrap();
        let deflated = enc.finish().unwrap();
        assert_ne!(deflated[0], ZSTD);
        assert_eq!(
            decode(ValueRef::Blob(&deflated)).as_deref(),
            Some(json.as_str())
        );
    }

    #[test]
    fn a_corrupt_body_reads_as_none_not_a_panic() {
        assert_eq!(decode(ValueRef::Blob(&[ZSTD, 1, 2, 3])), None);
        assert_eq!(decode(ValueRef::Blob(&[ZSTD])), None);
        assert_eq!(decode(ValueRef::Blob(&[0x07, 0xFF, 0x00])), None);
    }
}
