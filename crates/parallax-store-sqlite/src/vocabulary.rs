//! The vocabulary of a stream: its metadata keys (with observed type and cardinality), the values
//! of one key, and its tags. These feed Galileo's `available_columns` (one column per key) and
//! the console's suggestions.
//!
//! Distinct keys are found by skip-scanning the `record_meta` primary key (one index seek per key
//! instead of reading every row), so listing the columns of a 1M-span stream stays cheap.

use crate::control::stream_rowid;
use crate::{internal, SqliteStore};
use parallax_store::*;
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

fn observed_type(samples: &[String]) -> &'static str {
    if samples.is_empty() {
        return "string";
    }
    if samples
        .iter()
        .all(|s| parallax_query::parse_number(s).is_some())
    {
        "number"
    } else if samples
        .iter()
        .all(|s| matches!(s.to_lowercase().as_str(), "true" | "false"))
    {
        "boolean"
    } else if samples
        .iter()
        .all(|s| s.len() >= 10 && parallax_model::Timestamp::parse(s).is_ok())
    {
        "timestamp"
    } else {
        "string"
    }
}

pub fn metadata_keys(
    store: &SqliteStore,
    project_id: Uuid,
    log_stream_id: Uuid,
) -> StoreResult<Vec<MetadataKeyStats>> {
    store.read_store(|conn| {
        let stream = stream_rowid(conn, project_id, log_stream_id)?;
        let mut next_key = conn
            .prepare_cached("SELECT min(key_id) FROM record_meta WHERE stream_id = ?1 AND key_id > ?2")
            .map_err(internal)?;
        let mut next_value = conn
            .prepare_cached("SELECT min(value_id) FROM record_meta WHERE stream_id = ?1 AND key_id = ?2 AND value_id > ?3")
            .map_err(internal)?;
        let mut count = conn
            .prepare_cached("SELECT count(*) FROM record_meta WHERE stream_id = ?1 AND key_id = ?2")
            .map_err(internal)?;
        let mut name = conn.prepare_cached("SELECT name FROM meta_keys WHERE id = ?1").map_err(internal)?;
        let mut sample = conn
            .prepare_cached(
                "SELECT v.value FROM (SELECT DISTINCT value_id FROM record_meta WHERE stream_id = ?1 AND key_id = ?2 LIMIT 50) m \
                 JOIN meta_values v ON v.id = m.value_id",
            )
            .map_err(internal)?;
        let mut out = Vec::new();
        let mut after = -1i64;
        while let Some(key_id) = next_key.query_row(params![stream, after], |r| r.get::<_, Option<i64>>(0)).map_err(internal)? {
            after = key_id;
            let records: i64 = count.query_row(params![stream, key_id], |r| r.get(0)).map_err(internal)?;
            let mut distinct = 0u64;
            let mut v = -1i64;
            while distinct < DISTINCT_VALUES_CAP {
                match next_value.query_row(params![stream, key_id, v], |r| r.get::<_, Option<i64>>(0)).map_err(internal)? {
                    Some(id) => {
                        v = id;
                        distinct += 1;
                    }
                    None => break,
                }
            }
            let samples: Vec<String> = sample
                .query_map(params![stream, key_id], |r| r.get(0))
                .map_err(internal)?
                .collect::<Result<_, _>>()
                .map_err(internal)?;
            let key: String = name.query_row([key_id], |r| r.get(0)).map_err(internal)?;
            out.push(MetadataKeyStats { key, records: records as u64, distinct_values: distinct, observed_type: observed_type(&samples) });
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    })
}

pub fn metadata_values(
    store: &SqliteStore,
    project_id: Uuid,
    log_stream_id: Uuid,
    key: &str,
    prefix: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<(String, u64)>> {
    store.read_store(|conn| {
        let stream = stream_rowid(conn, project_id, log_stream_id)?;
        let Some(key_id) = conn
            .query_row("SELECT id FROM meta_keys WHERE name = ?1", [key], |r| r.get::<_, i64>(0))
            .optional()
            .map_err(internal)?
        else {
            return Ok(Vec::new());
        };
        let mut st = conn
            .prepare_cached(
                "SELECT v.value, m.n FROM (SELECT value_id, count(*) AS n FROM record_meta WHERE stream_id = ?1 AND key_id = ?2 GROUP BY value_id) m \
                 JOIN meta_values v ON v.id = m.value_id WHERE ?3 IS NULL OR substr(v.value, 1, length(?3)) = ?3 ORDER BY m.n DESC, v.value LIMIT ?4",
            )
            .map_err(internal)?;
        let rows = st
            .query_map(params![stream, key_id, prefix, limit as i64], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(internal)?
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        Ok(rows)
    })
}

pub fn tags(
    store: &SqliteStore,
    project_id: Uuid,
    log_stream_id: Uuid,
) -> StoreResult<Vec<(String, u64)>> {
    store.read_store(|conn| {
        let stream = stream_rowid(conn, project_id, log_stream_id)?;
        let mut next = conn
            .prepare_cached(
                "SELECT min(tag_id) FROM record_tags WHERE stream_id = ?1 AND tag_id > ?2",
            )
            .map_err(internal)?;
        let mut count = conn
            .prepare_cached("SELECT count(*) FROM record_tags WHERE stream_id = ?1 AND tag_id = ?2")
            .map_err(internal)?;
        let mut name = conn
            .prepare_cached("SELECT name FROM tag_names WHERE id = ?1")
            .map_err(internal)?;
        let mut out = Vec::new();
        let mut after = -1i64;
        while let Some(id) = next
            .query_row(params![stream, after], |r| r.get::<_, Option<i64>>(0))
            .map_err(internal)?
        {
            after = id;
            let n: i64 = count
                .query_row(params![stream, id], |r| r.get(0))
                .map_err(internal)?;
            if n > 0 {
                out.push((
                    name.query_row([id], |r| r.get::<_, String>(0))
                        .map_err(internal)?,
                    n as u64,
                ));
            }
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    })
}
