//! One test binary for parallax-otlp: decoding (JSON quirks, protobuf, compression, errors) and
//! the mapping of every instrumentation convention onto records.

mod decoding;
mod genai;
mod langfuse;
mod openinference;
mod others;
mod properties;
mod support;
mod tree;
mod vercel;
