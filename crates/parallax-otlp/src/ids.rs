//! OTLP ids to Parallax UUIDs, deterministically, so a re-sent span upserts the same record.
//!
//! A 16-byte trace id *is* a UUID (same bytes, hyphenated), which keeps the id a person copies
//! from their tracing tool searchable as-is. An 8-byte span id is only unique within its trace, so
//! the span UUID is a name-based UUIDv5 over `trace_id ‖ span_id` in a Parallax namespace: a child
//! can compute its parent's UUID from `parent_span_id` before the parent has arrived, and spans of
//! different traces that reuse a span id stay apart. Sessions are free-form strings in every
//! convention; one that is a UUID is kept, any other string is hashed the same way in its own
//! namespace, so the same session string always lands in the same session.

use uuid::Uuid;

/// Namespace of span UUIDs: UUIDv5(URL namespace, `"https://parallax.dev/ns/otel-span"`).
pub const SPAN_NAMESPACE: Uuid = Uuid::from_u128(0x37a74d95_20d0_57b9_b4bb_fb7a024eed59);

/// Namespace of session UUIDs made from session strings that are not UUIDs.
pub const SESSION_NAMESPACE: Uuid = Uuid::from_u128(0xc20f1f02_5132_5e11_a338_73a120f52e46);

/// The record id of a trace: the trace id's bytes as a UUID.
pub fn trace_uuid(trace_id: [u8; 16]) -> Uuid {
    Uuid::from_bytes(trace_id)
}

/// The record id of a span, and of the parent a child names: UUIDv5 in [`SPAN_NAMESPACE`] over
/// the 24 bytes `trace_id ‖ span_id`. This one function serves both, so they always agree.
pub fn span_uuid(trace_id: [u8; 16], span_id: [u8; 8]) -> Uuid {
    let mut name = [0u8; 24];
    name[..16].copy_from_slice(&trace_id);
    name[16..].copy_from_slice(&span_id);
    Uuid::new_v5(&SPAN_NAMESPACE, &name)
}

/// The session UUID for a session string: the string itself when it parses as a UUID, otherwise
/// UUIDv5 in [`SESSION_NAMESPACE`] over its UTF-8 bytes.
pub fn session_uuid(session: &str) -> Uuid {
    Uuid::parse_str(session.trim())
        .unwrap_or_else(|_| Uuid::new_v5(&SESSION_NAMESPACE, session.as_bytes()))
}

/// A trace id of exactly 16 bytes, not all zero (the spec calls all-zero ids invalid).
pub(crate) fn valid_trace_id(bytes: &[u8]) -> Option<[u8; 16]> {
    <[u8; 16]>::try_from(bytes)
        .ok()
        .filter(|b| b.iter().any(|x| *x != 0))
}

/// A span id of exactly 8 bytes, not all zero.
pub(crate) fn valid_span_id(bytes: &[u8]) -> Option<[u8; 8]> {
    <[u8; 8]>::try_from(bytes)
        .ok()
        .filter(|b| b.iter().any(|x| *x != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_what_their_docs_say() {
        // The constants are written out so they are visible in the code; this pins their origin.
        assert_eq!(
            SPAN_NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://parallax.dev/ns/otel-span")
        );
        assert_eq!(
            SESSION_NAMESPACE,
            Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                b"https://parallax.dev/ns/otel-session"
            )
        );
    }

    #[test]
    fn span_ids_are_stable_and_scoped_to_their_trace() {
        let t1 = [1u8; 16];
        let t2 = [2u8; 16];
        let s = [7u8; 8];
        assert_eq!(span_uuid(t1, s), span_uuid(t1, s));
        assert_ne!(span_uuid(t1, s), span_uuid(t2, s));
        assert_eq!(span_uuid(t1, s).get_version_num(), 5);
        assert_eq!(trace_uuid(t1).as_bytes(), &t1);
    }

    #[test]
    fn sessions() {
        let u = "30a44133-66cb-4bf1-9f90-9748d6642fef";
        assert_eq!(session_uuid(u).to_string(), u);
        assert_eq!(session_uuid("chat-42"), session_uuid("chat-42"));
        assert_ne!(session_uuid("chat-42"), session_uuid("chat-43"));
    }

    #[test]
    fn invalid_ids() {
        assert!(valid_trace_id(&[0; 16]).is_none());
        assert!(valid_trace_id(&[1; 15]).is_none());
        assert!(valid_span_id(&[0; 8]).is_none());
        assert!(valid_span_id(&[1; 8]).is_some());
    }
}
