//! Interning of tag names, metadata keys and metadata values into integer ids.
//!
//! The filter indexes hold these ids instead of strings, which keeps them small (storage-notes.md:
//! interning was the layout change that lifted ingest from 14k to 25k spans/s). The writer caches
//! ids it has seen; the cache is cleared whenever a transaction that may have created ids rolls
//! back, so it never holds an id the database does not.

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

#[derive(Default)]
pub struct Interner {
    tags: HashMap<String, i64>,
    keys: HashMap<String, i64>,
    values: HashMap<String, i64>,
}

/// Caches grow with the vocabulary; past this many entries one is simply cleared, since a miss
/// costs one indexed lookup.
const MAX_CACHED: usize = 200_000;

impl Interner {
    pub fn clear(&mut self) {
        self.tags.clear();
        self.keys.clear();
        self.values.clear();
    }

    pub fn tag(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        intern(&mut self.tags, conn, "tag_names", "name", name, None)
    }

    pub fn key(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        intern(&mut self.keys, conn, "meta_keys", "name", name, None)
    }

    /// Values also record their numeric reading, so `metadata.x > 25` can use an index.
    pub fn value(&mut self, conn: &Connection, value: &str) -> rusqlite::Result<i64> {
        intern(
            &mut self.values,
            conn,
            "meta_values",
            "value",
            value,
            numeric(value),
        )
    }
}

/// The number a metadata value reads as, if it is one: the query model's rule, so indexed
/// numeric comparisons agree with `plx_num` in SQL.
pub fn numeric(value: &str) -> Option<f64> {
    parallax_query::parse_number(value)
}

fn intern(
    cache: &mut HashMap<String, i64>,
    conn: &Connection,
    table: &str,
    column: &str,
    text: &str,
    num: Option<f64>,
) -> rusqlite::Result<i64> {
    if let Some(id) = cache.get(text) {
        return Ok(*id);
    }
    let select = format!("SELECT id FROM {table} WHERE {column} = ?1");
    let found: Option<i64> = conn
        .prepare_cached(&select)?
        .query_row([text], |r| r.get(0))
        .optional()?;
    let id = match found {
        Some(id) => id,
        None => {
            if table == "meta_values" {
                conn.prepare_cached("INSERT INTO meta_values (value, num) VALUES (?1, ?2)")?
                    .execute(params![text, num])?;
            } else {
                let insert = format!("INSERT INTO {table} ({column}) VALUES (?1)");
                conn.prepare_cached(&insert)?.execute([text])?;
            }
            conn.last_insert_rowid()
        }
    };
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(text.to_owned(), id);
    Ok(id)
}
