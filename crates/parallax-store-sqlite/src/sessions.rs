//! Sessions as search lists them: traces grouped by session id, with the explicit session row
//! (name, external id, metadata) when one was created. A trace logged outside any session is its
//! own implicit session, whose id is the trace id.

use crate::compile::{Compiler, RECORD_KEYS};
use crate::control::{stream_rowid, uuid_of};
use crate::{internal, SqliteStore};
use parallax_model::Timestamp;
use parallax_store::*;

fn filtered(
    store: &SqliteStore,
    req: &SearchRequest,
    tail: &str,
    count_only: bool,
) -> StoreResult<(Vec<SessionSummary>, u64)> {
    store.read_store(|conn| {
        let stream = stream_rowid(conn, req.project_id, req.log_stream_id)?;
        let mut c = Compiler::new(conn);
        let s = c.bind(stream);
        let filter = match &req.filter {
            Some(f) => c.expr(f, RECORD_KEYS).map_err(internal)?,
            None => "1".into(),
        };
        let grouped = format!(
            "SELECT r.session_uuid AS sid, min(r.created_at) AS first, count(*) AS n FROM records r \
             WHERE r.stream_id = {s} AND r.root = 1 AND r.session_uuid IS NOT NULL AND {filter} GROUP BY r.session_uuid"
        );
        if count_only {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM ({grouped})"), rusqlite::params_from_iter(c.params.iter()), |r| r.get(0))
                .map_err(internal)?;
            return Ok((Vec::new(), n as u64));
        }
        let sql = format!(
            "SELECT g.sid, g.first, g.n, se.name, se.external_id, se.metadata, se.created_at, ps.uuid, p.uuid \
             FROM ({grouped}) g LEFT JOIN sessions se ON se.uuid = g.sid \
             JOIN log_streams ps ON ps.id = {s} JOIN projects p ON p.id = ps.project_id {tail}"
        );
        let mut st = conn.prepare(&sql).map_err(internal)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(c.params.iter()), |r| {
                let meta: Option<String> = r.get(5)?;
                Ok(SessionSummary {
                    id: uuid_of(r.get(0)?),
                    created_at: Timestamp(r.get::<_, Option<i64>>(6)?.unwrap_or(r.get(1)?)),
                    num_traces: r.get::<_, i64>(2)? as u64,
                    name: r.get(3)?,
                    external_id: r.get(4)?,
                    metadata: meta.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or(serde_json::json!({})),
                    log_stream_id: uuid_of(r.get(7)?),
                    project_id: uuid_of(r.get(8)?),
                })
            })
            .map_err(internal)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        Ok((rows, 0))
    })
}

pub fn search_sessions(store: &SqliteStore, req: &SearchRequest) -> StoreResult<SessionPage> {
    let offset = match &req.page {
        Page::Offset(o) => *o,
        Page::Cursor(c) => c
            .strip_prefix("o.")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    };
    let limit = req.limit.clamp(1, 10_000);
    let dir = if req.sort.ascending { "ASC" } else { "DESC" };
    let tail = format!(
        "ORDER BY g.first {dir}, g.sid LIMIT {} OFFSET {offset}",
        limit + 1
    );
    let (mut sessions, _) = filtered(store, req, &tail, false)?;
    let more = sessions.len() > limit;
    sessions.truncate(limit);
    Ok(SessionPage {
        sessions,
        next_offset: more.then_some(offset + limit),
    })
}

pub fn count_sessions(store: &SqliteStore, req: &SearchRequest) -> StoreResult<u64> {
    Ok(filtered(store, req, "", true)?.1)
}
