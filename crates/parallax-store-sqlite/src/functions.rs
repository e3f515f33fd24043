//! SQL functions registered on every connection, so SQL applies exactly the rules the query
//! model defines: `plx_num` is `parallax_query::parse_number` ("parses as a number"),
//! `plx_lower` is Unicode lowercasing (SQLite's own `lower` only folds ASCII), and `plx_body`
//! reads a record's body as JSON text whether it is stored as text or deflated.

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("plx_num", 1, flags, |ctx| {
        Ok(ctx
            .get::<Option<String>>(0)
            .ok()
            .flatten()
            .and_then(|s| parallax_query::parse_number(&s)))
    })?;
    conn.create_scalar_function("plx_lower", 1, flags, |ctx| {
        Ok(ctx
            .get::<Option<String>>(0)
            .ok()
            .flatten()
            .map(|s| s.to_lowercase()))
    })?;
    conn.create_scalar_function("plx_body", 1, flags, |ctx| {
        Ok(crate::body::decode(ctx.get_raw(0)))
    })?;
    conn.create_scalar_function("plx_uuid", 1, flags, |ctx| {
        Ok(ctx
            .get::<Option<Vec<u8>>>(0)
            .ok()
            .flatten()
            .and_then(|b| uuid::Uuid::from_slice(&b).ok())
            .map(|u| u.to_string()))
    })?;
    Ok(())
}
