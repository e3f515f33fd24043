//! From an HTTP body to an `ExportTraceServiceRequest`: media type, content coding, size cap.
//!
//! The media type is compared without its parameters (`application/json; charset=utf-8` is
//! JSON), because exact header matching broke real clients (otel-conventions.md §4.14). The cap
//! applies to the decompressed size, as the OTLP spec asks, so a small gzip bomb is refused after
//! reading at most `max_decompressed + 1` bytes. This module decides nothing about HTTP status
//! codes; each [`DecodeError`] variant says which one the server should answer with.

use crate::json::decode_json;
use crate::proto::ExportTraceServiceRequest;
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use prost::Message;
use std::borrow::Cow;
use std::io::Read;

/// Why a request body could not be read. Every variant is a permanent client error: the server
/// must not answer 5xx for any of them, since released Python exporters retry every 5xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Neither protobuf nor JSON; the server answers 415.
    #[error("unsupported content type {content_type:?}; send application/x-protobuf or application/json")]
    UnsupportedMediaType { content_type: String },
    /// A `Content-Encoding` other than gzip, deflate or identity; the server answers 415.
    #[error("unsupported content encoding {encoding:?}; send gzip, deflate or identity")]
    UnsupportedEncoding { encoding: String },
    /// The body, after decompression, is larger than the cap; the server answers 413.
    #[error("body is larger than {limit} bytes after decompression")]
    TooLarge { limit: usize },
    /// The body is not valid data of its content coding; the server answers 400.
    #[error("body is not valid {encoding} data: {message}")]
    Decompress { encoding: String, message: String },
    /// The body is not a valid request; `path` names the field (empty for the whole body). The
    /// server answers 400.
    #[error("{}", with_path(path, message))]
    Invalid { path: String, message: String },
}

fn with_path(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_owned()
    } else {
        format!("{path}: {message}")
    }
}

/// The two encodings OTLP/HTTP defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Protobuf,
    Json,
}

impl Format {
    /// Reads a `Content-Type` header value, ignoring parameters and case.
    pub fn from_content_type(content_type: &str) -> Result<Format, DecodeError> {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Format::Protobuf),
            "application/json" => Ok(Format::Json),
            _ => Err(DecodeError::UnsupportedMediaType {
                content_type: content_type.to_owned(),
            }),
        }
    }
}

/// Decodes an OTLP/HTTP trace request body.
///
/// `content_encoding` is the `Content-Encoding` header (`None`, `identity`, `gzip` or `deflate`;
/// a list such as `gzip, identity` is undone right to left). `max_decompressed` caps the body
/// size after decompression (64 MiB is what the OTLP spec recommends).
pub fn decode(
    body: &[u8],
    content_type: &str,
    content_encoding: Option<&str>,
    max_decompressed: usize,
) -> Result<ExportTraceServiceRequest, DecodeError> {
    let format = Format::from_content_type(content_type)?;
    let plain = decompress(body, content_encoding, max_decompressed)?;
    match format {
        Format::Protobuf => {
            ExportTraceServiceRequest::decode(plain.as_ref()).map_err(|e| DecodeError::Invalid {
                path: String::new(),
                message: format!("body is not a protobuf ExportTraceServiceRequest: {e}"),
            })
        }
        Format::Json => decode_json(&plain),
    }
}

fn decompress<'b>(
    body: &'b [u8],
    encoding: Option<&str>,
    max: usize,
) -> Result<Cow<'b, [u8]>, DecodeError> {
    let codings: Vec<String> = encoding
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    for coding in &codings {
        if !matches!(coding.as_str(), "gzip" | "x-gzip" | "deflate") {
            return Err(DecodeError::UnsupportedEncoding {
                encoding: encoding.unwrap_or("").to_owned(),
            });
        }
    }
    if body.len() > max {
        return Err(DecodeError::TooLarge { limit: max });
    }
    // Borrow the body when it is not compressed: it may be tens of megabytes.
    let mut data = Cow::Borrowed(body);
    for coding in codings.iter().rev() {
        data = Cow::Owned(inflate(&data, coding, max)?);
    }
    Ok(data)
}

fn inflate(data: &[u8], coding: &str, max: usize) -> Result<Vec<u8>, DecodeError> {
    // HTTP "deflate" is the zlib format (RFC 9110 §8.4.1.2), which Python's exporter sends; some
    // senders use raw deflate instead, recognisable by the missing zlib header.
    let zlib_header = data.len() >= 2
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
        && data[0] & 0x0f == 8;
    let reader: Box<dyn Read + '_> = match coding {
        "deflate" if zlib_header => Box::new(ZlibDecoder::new(data)),
        "deflate" => Box::new(DeflateDecoder::new(data)),
        _ => Box::new(MultiGzDecoder::new(data)),
    };
    let mut out = Vec::new();
    reader
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Decompress {
            encoding: coding.to_owned(),
            message: e.to_string(),
        })?;
    if out.len() > max {
        return Err(DecodeError::TooLarge { limit: max });
    }
    Ok(out)
}
