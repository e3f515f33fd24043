//! The domain model of Parallax: records (traces and spans), their tags and metadata, and the
//! rules from the seed document that every surface enforces before anything is stored.
//!
//! Every protocol adapter (the Galileo JSON routes, OTLP, the console, the Rust client) turns raw
//! input into these types first; code behind that boundary takes a [`Tag`], never a `String`.
//!
//! "A character" in every limit here means a Unicode scalar value (`str::chars`), which is what a
//! person counts when reading the label, independent of how many bytes UTF-8 needs for it.

mod limits;
mod metadata;
mod pii;
mod record;
mod tag;
mod timestamp;
mod validate;
pub mod wire;

pub use limits::Limits;
pub use metadata::{Metadata, MetadataError, MetadataKey, MetadataValue};
pub use pii::{
    redact, redact_annotations, scan, scan_annotations, PiiFinding, PiiHit, PiiKind, PiiPolicy,
    PiiPolicyError,
};
pub use record::{Record, RecordType, Tokens};
pub use tag::{Tag, TagError};
pub use timestamp::{Timestamp, TimestampError};
pub use validate::{validate_annotations, Annotations, Violation};
