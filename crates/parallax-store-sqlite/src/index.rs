//! Rows of the filter index tables (`record_tags`, `record_meta`), one at a time. Ingest writes
//! all of a record's rows; review events add or remove single rows.

use crate::internal;
use crate::writer::Writer;
use parallax_store::StoreResult;
use rusqlite::params;

/// What the index rows of one record are keyed and measured by.
#[derive(Debug, Clone, Copy)]
pub struct RowKey {
    pub stream_id: i64,
    pub root: bool,
    pub created_at: i64,
    pub record_id: i64,
    pub duration_ns: Option<i64>,
    pub status_code: Option<i64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
}

impl Writer {
    pub fn insert_tag_row(&mut self, k: &RowKey, tag: &str) -> StoreResult<()> {
        let tag_id = self.interner.tag(&self.conn, tag).map_err(internal)?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO record_tags (stream_id, tag_id, root, created_at, record_id, duration_ns, \
                 status_code, input_tokens, output_tokens) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    k.stream_id, tag_id, k.root, k.created_at, k.record_id, k.duration_ns, k.status_code, k.input_tokens, k.output_tokens
                ])
            })
            .map_err(internal)?;
        Ok(())
    }

    pub fn delete_tag_row(&mut self, k: &RowKey, tag: &str) -> StoreResult<()> {
        let tag_id = self.interner.tag(&self.conn, tag).map_err(internal)?;
        self.conn
            .prepare_cached(
                "DELETE FROM record_tags WHERE stream_id = ?1 AND tag_id = ?2 AND root = ?3 AND created_at = ?4 AND record_id = ?5",
            )
            .and_then(|mut st| st.execute(params![k.stream_id, tag_id, k.root, k.created_at, k.record_id]))
            .map_err(internal)?;
        Ok(())
    }

    pub fn insert_meta_row(&mut self, k: &RowKey, key: &str, value: &str) -> StoreResult<()> {
        let key_id = self.interner.key(&self.conn, key).map_err(internal)?;
        let value_id = self.interner.value(&self.conn, value).map_err(internal)?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO record_meta (stream_id, key_id, value_id, root, created_at, record_id, \
                 duration_ns, status_code, input_tokens, output_tokens) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    k.stream_id, key_id, value_id, k.root, k.created_at, k.record_id, k.duration_ns, k.status_code, k.input_tokens,
                    k.output_tokens
                ])
            })
            .map_err(internal)?;
        Ok(())
    }

    pub fn delete_meta_row(&mut self, k: &RowKey, key: &str, value: &str) -> StoreResult<()> {
        let key_id = self.interner.key(&self.conn, key).map_err(internal)?;
        let value_id = self.interner.value(&self.conn, value).map_err(internal)?;
        self.conn
            .prepare_cached(
                "DELETE FROM record_meta WHERE stream_id = ?1 AND key_id = ?2 AND value_id = ?3 AND root = ?4 \
                 AND created_at = ?5 AND record_id = ?6",
            )
            .and_then(|mut st| st.execute(params![k.stream_id, key_id, value_id, k.root, k.created_at, k.record_id]))
            .map_err(internal)?;
        Ok(())
    }
}
