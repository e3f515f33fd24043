//! OTLP/HTTP trace ingestion as pure functions: bytes in, Parallax records out.
//!
//! [`decode`] reads an `ExportTraceServiceRequest` from a body (protobuf or OTLP/JSON, identity,
//! gzip or deflate, with a cap on the decompressed size). [`convert`] maps its spans onto
//! [`parallax_model::Record`]s, reading the LLM instrumentation conventions (OpenInference,
//! OpenTelemetry GenAI, Langfuse, Vercel AI SDK, Traceloop/OpenLLMetry, Laminar, MLflow, Logfire,
//! Galileo's own exporter) for type, input, output, model, tokens, tags, metadata, session and
//! user, and validating tags and metadata by the same rules as the Galileo route.
//! [`encode_response`] and [`encode_status`] build the replies.
//!
//! This crate does no IO and knows no HTTP status codes: each [`DecodeError`] variant documents
//! the status the server should answer with. The conventions it implements are written up in
//! `shared/otel-conventions.md`. The decisions taken on top of them:
//!
//! - **Ids.** A trace id is the trace record's UUID as-is; a span's UUID is UUIDv5 over
//!   `trace_id ‖ span_id` ([`span_uuid`], used for both a span's id and its child's `parent_id`).
//!   A root span also yields the trace record; the root span's record is its child.
//! - **Status.** OTel ERROR (or Langfuse level ERROR, Logfire level ≥ 17, an `exception` event) is
//!   `status_code` 500; OK and UNSET are 200. The OTel status is kept in the mapping report.
//! - **Session and user.** The first session attribute (`session.id`, `gen_ai.conversation.id`,
//!   `langfuse.session.id`, …) becomes `session_id` via [`session_uuid`] (a UUID string is kept,
//!   any other string hashed), and the string itself is kept in `extra.otel.session`; it is not
//!   copied into metadata. The first user attribute becomes metadata `user.id`.
//! - **Paths.** A quarantine violation names the attribute the value came from:
//!   `resourceSpans[i].scopeSpans[j].spans[k].attributes["tag.tags"][3]`, and inside a JSON
//!   attribute `…attributes["metadata"]["field"]`; resource attributes are
//!   `resourceSpans[i].resource.attributes["…"]`. Count limits name `…spans[k].tags` or
//!   `…spans[k].metadata`.
//! - **Nothing unseen is lost.** Attributes no convention claims are kept in `extra.otel.attributes`;
//!   conflicting duplicates are reported with their value; only spans without valid ids and Logfire
//!   placeholders are not stored, and they are listed in [`Converted::rejected`].

mod attrs;
mod convert;
mod decode;
pub mod ids;
mod json;
pub mod proto;
mod response;

pub use convert::{convert, Converted, Rejection};
pub use decode::{decode, DecodeError, Format};
pub use ids::{session_uuid, span_uuid, trace_uuid};
pub use proto::ExportTraceServiceRequest;
pub use response::{encode_response, encode_status};

impl DecodeError {
    /// The `(field, description)` pair for a `google.rpc.BadRequest`, when the error names a field.
    pub fn field_violation(&self) -> Option<(String, String)> {
        match self {
            DecodeError::Invalid { path, message } if !path.is_empty() => {
                Some((path.clone(), message.clone()))
            }
            _ => None,
        }
    }
}
