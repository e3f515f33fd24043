//! Search and count on SQLite, choosing which predicate drives the scan.
//!
//! storage-notes.md: SQLite's planner drives combined filters from the larger side (180–300 ms
//! at 1M spans where the selective side takes 20–60 ms, and 14–25 ms vs 0.1 ms for "newest 50").
//! So the compiler picks the driver itself: among the top-level conjuncts that an index table
//! answers (one tag, one metadata key = value), the one with the fewest rows, counted on the
//! index. The scan walks that index newest-first and checks the rest per row by primary-key
//! probes; `CROSS JOIN` keeps SQLite from reordering it.

use crate::compile::{keys_only, Compiler, DRIVER_KEYS, RECORD_KEYS};
use crate::control::stream_rowid;
use crate::read::RECORD_COLS;
use crate::{internal, SqliteStore};
use parallax_query::{CmpOp, Expr, Field, Predicate, Root, Value};
use parallax_store::*;
use rusqlite::Connection;
use uuid::Uuid;

/// An index-table range that yields candidate records in `created_at` order.
pub struct Driver {
    /// `FROM` fragment with alias `d`.
    pub from: &'static str,
    /// Equality on the index prefix after `stream_id`, with its bound placeholders.
    pub prefix: String,
    /// Which top-level conjunct the driver answers; the scan need not check it again.
    pub conjunct: usize,
}

/// The filter without the conjunct the driver already guarantees (`None`: nothing left).
pub fn residual(filter: Option<&Expr>, driver: Option<&Driver>) -> Option<Expr> {
    let (Some(filter), Some(d)) = (filter, driver) else {
        return filter.cloned();
    };
    let rest: Vec<Expr> = conjuncts(Some(filter))
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != d.conjunct)
        .map(|(_, e)| e.clone())
        .collect();
    Expr::conjunction(rest)
}

pub fn root_flag(root: Root) -> StoreResult<i64> {
    match root {
        Root::Trace => Ok(1),
        Root::Span => Ok(0),
        Root::Session => Err(StoreError::Invalid(
            "sessions are searched with search_sessions".into(),
        )),
    }
}

fn conjuncts(filter: Option<&Expr>) -> Vec<&Expr> {
    match filter {
        None => Vec::new(),
        Some(Expr::And(parts)) => parts.iter().collect(),
        Some(e) => vec![e],
    }
}

/// Picks the smallest index range among the filter's top-level conjuncts, if any.
pub fn choose_driver(
    c: &mut Compiler,
    stream: i64,
    root: i64,
    filter: Option<&Expr>,
) -> rusqlite::Result<Option<Driver>> {
    let mut best: Option<(u64, &'static str, Vec<i64>, usize)> = None;
    for (index, part) in conjuncts(filter).into_iter().enumerate() {
        let candidate = match part {
            Expr::Pred(Predicate::HasTag {
                any_of,
                case_sensitive,
            }) => {
                let ids = c.tag_ids(any_of, *case_sensitive)?;
                match ids.as_slice() {
                    [id] => Some(("tag", vec![*id])),
                    [] => Some(("none", vec![])),
                    _ => None,
                }
            }
            Expr::Pred(Predicate::Compare {
                field: Field::Metadata(key),
                op: CmpOp::Eq,
                value: Value::Str(v),
                case_sensitive: true,
            }) => match (c.key_id(key)?, c.value_id(v)?) {
                (Some(k), Some(v)) => Some(("meta", vec![k, v])),
                _ => Some(("none", vec![])),
            },
            _ => None,
        };
        let Some((kind, ids)) = candidate else {
            continue;
        };
        let rows: u64 = match kind {
            "tag" => c.conn.prepare_cached(
                "SELECT count(*) FROM record_tags WHERE stream_id = ?1 AND tag_id = ?2 AND root = ?3",
            )?.query_row(rusqlite::params![stream, ids[0], root], |r| r.get(0))?,
            "meta" => c.conn.prepare_cached(
                "SELECT count(*) FROM record_meta WHERE stream_id = ?1 AND key_id = ?2 AND value_id = ?3 AND root = ?4",
            )?.query_row(rusqlite::params![stream, ids[0], ids[1], root], |r| r.get(0))?,
            _ => 0,
        };
        if best.as_ref().is_none_or(|(n, _, _, _)| rows < *n) {
            best = Some((rows, kind, ids, index));
        }
    }
    Ok(best.map(|(_, kind, ids, conjunct)| match kind {
        "tag" => Driver {
            from: "record_tags d",
            prefix: format!("d.tag_id = {}", c.bind(ids[0])),
            conjunct,
        },
        "meta" => {
            let k = c.bind(ids[0]);
            let v = c.bind(ids[1]);
            Driver {
                from: "record_meta d",
                prefix: format!("d.key_id = {k} AND d.value_id = {v}"),
                conjunct,
            }
        }
        // A conjunct that names an unknown tag or value: nothing can match.
        _ => Driver {
            from: "record_tags d",
            prefix: "0".into(),
            conjunct,
        },
    }))
}

/// The records with these (created_at, rowid) keys, in the keys' order.
fn fetch_rows(conn: &Connection, keys: &[(i64, i64)]) -> StoreResult<Vec<(i64, StoredRecord)>> {
    let mut st = conn
        .prepare_cached(&format!(
            "SELECT {RECORD_COLS} FROM records r JOIN log_streams s ON s.id = r.stream_id JOIN projects p ON p.id = s.project_id WHERE r.id = ?1"
        ))
        .map_err(internal)?;
    let mut out = Vec::with_capacity(keys.len());
    for (_, id) in keys {
        let row = st
            .query_row([id], crate::read::record_row)
            .map_err(internal)?;
        out.push((*id, row));
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Select {
    Count,
    Ids,
}

/// Cursor of a created_at-ordered page: the last row's (created_at, rowid).
fn parse_cursor(cursor: &str) -> StoreResult<(Option<(i64, i64)>, usize)> {
    let bad = || StoreError::Invalid(format!("cursor {cursor:?} is not one this server issued"));
    if let Some(rest) = cursor.strip_prefix("k.") {
        let (a, b) = rest.split_once('.').ok_or_else(bad)?;
        return Ok((
            Some((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)),
            0,
        ));
    }
    if let Some(rest) = cursor.strip_prefix("o.") {
        return Ok((None, rest.parse().map_err(|_| bad())?));
    }
    Err(bad())
}

impl SqliteStore {
    fn search_records(&self, req: &SearchRequest) -> StoreResult<SearchPage> {
        let root = root_flag(req.root)?;
        let limit = req.limit.clamp(1, 10_000);
        let (keyset, offset) = match &req.page {
            Page::Offset(o) => (None, *o),
            Page::Cursor(c) => parse_cursor(c)?,
        };
        let by_time = req.sort.field == Field::CreatedAt;
        let asc = req.sort.ascending;
        let rows: Vec<(i64, StoredRecord)> = self.read_store(|conn| {
            let stream = stream_rowid(conn, req.project_id, req.log_stream_id)?;
            if let (true, Some(filter)) = (by_time, req.filter.as_ref()) {
                let c = Compiler::new(conn);
                if let Some((ranges, impossible)) = crate::intersect::ranges(&c, filter).map_err(internal)? {
                    if impossible {
                        return Ok(Vec::new());
                    }
                    let keys = crate::intersect::intersect(conn, stream, root, &ranges, crate::intersect::Window { after: keyset, asc, skip: offset, limit: limit + 1 }).map_err(internal)?;
                    return fetch_rows(conn, &keys);
                }
            }
            let mut c = Compiler::new(conn);
            let s = c.bind(stream);
            let rt = c.bind(root);
            let driver = if by_time { choose_driver(&mut c, stream, root, req.filter.as_ref()).map_err(internal)? } else { None };
            let filter = match residual(req.filter.as_ref(), driver.as_ref()) {
                Some(f) => c.expr(&f, RECORD_KEYS).map_err(internal)?,
                None => "1".into(),
            };
            let (dir, cmp) = if asc { ("ASC", ">") } else { ("DESC", "<") };
            let (from, keys_sql, order) = match &driver {
                Some(d) => (
                    format!("{} CROSS JOIN records r ON r.id = d.record_id", d.from),
                    format!("d.stream_id = {s} AND {} AND d.root = {rt}", d.prefix),
                    format!("d.created_at {dir}, d.record_id {dir}"),
                ),
                None => (
                    "records r".to_owned(),
                    format!("r.stream_id = {s} AND r.root = {rt}"),
                    if by_time {
                        format!("r.created_at {dir}, r.id {dir}")
                    } else {
                        let col = c.column(&req.sort.field).map_err(internal)?;
                        let num = if matches!(req.sort.field, Field::Metadata(_) | Field::Metric(_)) {
                            format!("plx_num({col}) IS NULL, plx_num({col}) {dir}, ")
                        } else {
                            String::new()
                        };
                        format!("{col} IS NULL, {num}{col} {dir}, r.id {dir}")
                    },
                ),
            };
            let k = if driver.is_some() { DRIVER_KEYS } else { RECORD_KEYS };
            let after = match keyset {
                Some((t, id)) => format!(" AND ({}, {}) {cmp} ({}, {})", k.created, k.id, c.bind(t), c.bind(id)),
                None => String::new(),
            };
            let lim = c.bind(limit as i64 + 1);
            let off = c.bind(offset as i64);
            let sql = format!(
                "SELECT r.id, {RECORD_COLS} FROM {from} JOIN log_streams s ON s.id = r.stream_id \
                 JOIN projects p ON p.id = s.project_id WHERE {keys_sql}{after} AND {filter} ORDER BY {order} LIMIT {lim} OFFSET {off}"
            );
            let mut st = conn.prepare(&sql).map_err(internal)?;
            let out = st
                .query_map(rusqlite::params_from_iter(c.params.iter()), |row| {
                    Ok((row.get::<_, i64>(0)?, crate::read::record_row_at(row, 1)?))
                })
                .map_err(internal)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(internal);
            out
        })?;
        let more = rows.len() > limit;
        let mut rows = rows;
        rows.truncate(limit);
        let next_offset = more.then_some(offset + limit);
        let next_cursor = more.then(|| {
            if by_time {
                let (id, last) = rows.last().expect("a full page has a last row");
                format!("k.{}.{}", last.record.created_at.0, id)
            } else {
                format!("o.{}", offset + limit)
            }
        });
        Ok(SearchPage {
            records: rows.into_iter().map(|(_, r)| r).collect(),
            next_offset,
            next_cursor,
        })
    }

    pub(crate) fn count_records(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
    ) -> StoreResult<u64> {
        if filter.is_none() {
            let root = root_flag(root)?;
            return self.read_store(|conn| {
                let stream = stream_rowid(conn, project_id, log_stream_id)?;
                let col = if root == 1 { "num_traces" } else { "num_spans" };
                conn.query_row(
                    &format!("SELECT {col} FROM log_streams WHERE id = ?1"),
                    [stream],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n as u64)
                .map_err(internal)
            });
        }
        self.over_matches(
            project_id,
            log_stream_id,
            root,
            filter,
            Select::Count,
            |st, params| {
                st.query_row(rusqlite::params_from_iter(params), |r| r.get::<_, i64>(0))
                    .map(|n| vec![n as u64])
            },
        )
        .map(|v| v[0])
    }

    pub(crate) fn ids_matching(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
    ) -> StoreResult<Vec<Uuid>> {
        self.over_matches(
            project_id,
            log_stream_id,
            root,
            filter,
            Select::Ids,
            |st, params| {
                st.query_map(rusqlite::params_from_iter(params), |r| {
                    r.get::<_, Vec<u8>>(0)
                })?
                .map(|b| b.map(crate::control::uuid_of))
                .collect()
            },
        )
    }

    /// Builds the scan over every record matching `filter` (driven from the best index) and hands
    /// the prepared statement to `run`.
    fn over_matches<T>(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
        select: Select,
        run: impl FnOnce(
            &mut rusqlite::Statement,
            &[rusqlite::types::Value],
        ) -> rusqlite::Result<Vec<T>>,
    ) -> StoreResult<Vec<T>> {
        let root = root_flag(root)?;
        self.read_store(|conn| {
            let stream = stream_rowid(conn, project_id, log_stream_id)?;
            let mut c = Compiler::new(conn);
            let s = c.bind(stream);
            let rt = c.bind(root);
            let driver = choose_driver(&mut c, stream, root, filter).map_err(internal)?;
            let (what_d, what_r, order_d, order_r) = match select {
                Select::Count => ("count(*)", "count(*)", "", ""),
                Select::Ids => ("r.uuid", "r.uuid", " ORDER BY d.created_at DESC, d.record_id DESC", " ORDER BY r.created_at DESC, r.id DESC"),
            };
            let rest = residual(filter, driver.as_ref());
            let sql = match (driver, rest.as_ref()) {
                (Some(d), Some(f)) if keys_only(f) && select == Select::Count => {
                    let f = c.expr(f, DRIVER_KEYS).map_err(internal)?;
                    format!("SELECT {what_d} FROM {} WHERE d.stream_id = {s} AND {} AND d.root = {rt} AND {f}{order_d}", d.from, d.prefix)
                }
                (Some(d), f) if select == Select::Count && f.is_none() => {
                    format!("SELECT {what_d} FROM {} WHERE d.stream_id = {s} AND {} AND d.root = {rt}", d.from, d.prefix)
                }
                (Some(d), f) => {
                    let f = match f {
                        Some(f) => c.expr(f, RECORD_KEYS).map_err(internal)?,
                        None => "1".into(),
                    };
                    format!(
                        "SELECT {what_d} FROM {} CROSS JOIN records r ON r.id = d.record_id WHERE d.stream_id = {s} AND {} AND d.root = {rt} AND {f}{order_d}",
                        d.from, d.prefix
                    )
                }
                (None, f) => {
                    let f = match f {
                        Some(f) => c.expr(f, RECORD_KEYS).map_err(internal)?,
                        None => "1".into(),
                    };
                    format!("SELECT {what_r} FROM records r WHERE r.stream_id = {s} AND r.root = {rt} AND {f}{order_r}")
                }
            };
            let mut st = conn.prepare(&sql).map_err(internal)?;
            run(&mut st, &c.params).map_err(internal)
        })
    }

    /// Runs `f` on a pooled reader, passing store errors through.
    pub(crate) fn read_store<T>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut out = None;
        self.read(|conn| {
            out = Some(f(conn));
            Ok(())
        })?;
        out.expect("the read ran")
    }
}

impl QueryStore for SqliteStore {
    fn search(&self, req: &SearchRequest) -> StoreResult<SearchPage> {
        self.search_records(req)
    }

    fn count(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
    ) -> StoreResult<u64> {
        if root == Root::Session {
            let req = SearchRequest {
                project_id,
                log_stream_id,
                root,
                filter: filter.cloned(),
                sort: Default::default(),
                limit: usize::MAX,
                page: Page::Offset(0),
            };
            return crate::sessions::count_sessions(self, &req);
        }
        self.count_records(project_id, log_stream_id, root, filter)
    }

    fn search_sessions(&self, req: &SearchRequest) -> StoreResult<SessionPage> {
        crate::sessions::search_sessions(self, req)
    }

    fn aggregate(&self, req: &AggregateRequest) -> StoreResult<Aggregate> {
        crate::aggregate::aggregate(self, req)
    }

    fn metadata_keys(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
    ) -> StoreResult<Vec<MetadataKeyStats>> {
        crate::vocabulary::metadata_keys(self, project_id, log_stream_id)
    }

    fn metadata_values(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        key: &str,
        prefix: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, u64)>> {
        crate::vocabulary::metadata_values(self, project_id, log_stream_id, key, prefix, limit)
    }

    fn tags(&self, project_id: Uuid, log_stream_id: Uuid) -> StoreResult<Vec<(String, u64)>> {
        crate::vocabulary::tags(self, project_id, log_stream_id)
    }
}
