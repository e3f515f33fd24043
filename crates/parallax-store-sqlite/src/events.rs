//! Review events (add_tag, remove_tag, set_metadata, unset_metadata) replayed over logged values.
//!
//! The event log is the history; the effective tags and metadata in `records` and the index
//! tables are its materialisation, kept in step in the same transaction as each event.

use crate::internal;
use parallax_model::{Metadata, MetadataKey, MetadataValue, Tag};
use parallax_store::StoreResult;
use rusqlite::Connection;

/// Applies every event of record `rowid`, oldest first, to `tags` and `metadata`. Returns
/// whether the record has any events.
pub fn replay(
    conn: &Connection,
    rowid: i64,
    tags: &mut Vec<Tag>,
    metadata: &mut Metadata,
) -> StoreResult<bool> {
    let mut st = conn
        .prepare_cached(
            "SELECT op, key, value FROM annotation_events WHERE record_id = ?1 ORDER BY id",
        )
        .map_err(internal)?;
    let events = st
        .query_map([rowid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(internal)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    for (op, key, value) in &events {
        apply(op, key, value.as_deref(), tags, metadata);
    }
    Ok(!events.is_empty())
}

/// Applies one event. Values were validated when the event was recorded.
pub fn apply(
    op: &str,
    key: &str,
    value: Option<&str>,
    tags: &mut Vec<Tag>,
    metadata: &mut Metadata,
) {
    match op {
        "add_tag" => {
            if let Ok(t) = Tag::parse(key) {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }
        "remove_tag" => tags.retain(|t| t.as_str() != key),
        "set_metadata" => {
            if let (Ok(k), Ok(v)) = (
                MetadataKey::parse(key),
                MetadataValue::parse(value.unwrap_or("")),
            ) {
                metadata.insert(k, v);
            }
        }
        "unset_metadata" => {
            metadata.remove(key);
        }
        _ => {}
    }
}
