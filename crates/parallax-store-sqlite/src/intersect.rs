//! Newest-first intersection of index ranges, for filters that are only a conjunction of
//! indexed equalities (`tag:a and metadata.k = v and …`).
//!
//! Both index tables keep each tag's and each (key, value)'s rows ordered by
//! `(created_at, record_id)`. Walking every range newest-first and advancing the one that is
//! ahead finds the matches with sequential reads only, where probing the other index once per
//! candidate costs a B-tree descent each (the benchmark measured 7.9 ms for "newest 50 with a tag
//! and a metadata value" at 1M spans that way, most of it in `sqlite3BtreeIndexMoveto`).

use crate::compile::Compiler;
use parallax_query::{CmpOp, Expr, Field, Predicate, Value};
use rusqlite::{params_from_iter, Connection};

/// One index range: the table and its prefix after `stream_id`.
pub struct Range {
    table: &'static str,
    prefix: &'static str,
    ids: Vec<i64>,
}

/// The ranges of a filter whose top-level conjuncts (two or more) are all single indexed
/// equalities, or `None` when any conjunct is something else. The flag is true when a conjunct
/// names a tag or value nobody logged, so nothing can match.
pub fn ranges(c: &Compiler, filter: &Expr) -> rusqlite::Result<Option<(Vec<Range>, bool)>> {
    let parts: Vec<&Expr> = match filter {
        Expr::And(parts) => parts.iter().collect(),
        _ => return Ok(None),
    };
    let mut out = Vec::new();
    let mut impossible = false;
    for part in parts {
        match part {
            Expr::Pred(Predicate::HasTag {
                any_of,
                case_sensitive: true,
            }) if any_of.len() == 1 => match c.tag_ids(any_of, true)?.as_slice() {
                [id] => out.push(Range {
                    table: "record_tags",
                    prefix: "tag_id = ?",
                    ids: vec![*id],
                }),
                _ => impossible = true,
            },
            Expr::Pred(Predicate::Compare {
                field: Field::Metadata(key),
                op: CmpOp::Eq,
                value: Value::Str(v),
                case_sensitive: true,
            }) => match (c.key_id(key)?, c.value_id(v)?) {
                (Some(k), Some(v)) => out.push(Range {
                    table: "record_meta",
                    prefix: "key_id = ? AND value_id = ?",
                    ids: vec![k, v],
                }),
                _ => impossible = true,
            },
            _ => return Ok(None),
        }
    }
    Ok(Some((out, impossible)))
}

/// Which part of the intersection to return: after the keyset position `after`, oldest first
/// when `asc`, skipping the first `skip` matches, at most `limit`.
pub struct Window {
    pub after: Option<(i64, i64)>,
    pub asc: bool,
    pub skip: usize,
    pub limit: usize,
}

/// Record (created_at, rowid) keys in every range, in the window's order.
pub fn intersect(
    conn: &Connection,
    stream: i64,
    root: i64,
    ranges: &[Range],
    window: Window,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    let Window {
        after,
        asc,
        skip,
        limit,
    } = window;
    let (dir, cmp) = if asc { ("ASC", ">") } else { ("DESC", "<") };
    let mut statements = Vec::with_capacity(ranges.len());
    for r in ranges {
        let after_sql = if after.is_some() {
            format!(" AND (created_at, record_id) {cmp} (?, ?)")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT created_at, record_id FROM {} WHERE stream_id = ? AND {} AND root = ?{after_sql} ORDER BY created_at {dir}, record_id {dir}",
            r.table, r.prefix
        );
        statements.push(conn.prepare(&sql)?);
    }
    let mut cursors = Vec::with_capacity(ranges.len());
    for (st, r) in statements.iter_mut().zip(ranges) {
        let mut params: Vec<i64> = vec![stream];
        params.extend(&r.ids);
        params.push(root);
        if let Some((t, id)) = after {
            params.extend([t, id]);
        }
        cursors.push(st.query(params_from_iter(params))?);
    }
    // `ahead(a, b)`: a comes before b in the walk's order.
    let ahead = |a: (i64, i64), b: (i64, i64)| if asc { a < b } else { a > b };
    let mut heads: Vec<Option<(i64, i64)>> = Vec::with_capacity(cursors.len());
    for cur in cursors.iter_mut() {
        heads.push(next(cur)?);
    }
    let mut out = Vec::new();
    let mut skipped = 0;
    loop {
        if heads.iter().any(Option::is_none) {
            return Ok(out);
        }
        // The head furthest along the walk: every range must reach it for a match.
        let mut target = heads[0].expect("checked above");
        for h in heads.iter().flatten() {
            if ahead(target, *h) {
                target = *h;
            }
        }
        let mut all = true;
        for (cur, head) in cursors.iter_mut().zip(heads.iter_mut()) {
            while let Some(h) = *head {
                if ahead(h, target) {
                    *head = next(cur)?;
                } else {
                    break;
                }
            }
            match *head {
                Some(h) if h == target => {}
                Some(_) => all = false,
                None => return Ok(out),
            }
        }
        if all {
            if skipped < skip {
                skipped += 1;
            } else {
                out.push(target);
                if out.len() >= limit {
                    return Ok(out);
                }
            }
            for (cur, head) in cursors.iter_mut().zip(heads.iter_mut()) {
                *head = next(cur)?;
            }
        }
    }
}

fn next(rows: &mut rusqlite::Rows) -> rusqlite::Result<Option<(i64, i64)>> {
    Ok(match rows.next()? {
        Some(r) => Some((r.get(0)?, r.get(1)?)),
        None => None,
    })
}
