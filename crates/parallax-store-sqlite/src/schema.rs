//! The schema and its migrations.
//!
//! Layout choices follow storage-notes.md: integer rowids everywhere with 16-byte BLOB uuids kept
//! only for lookups; tag names, metadata keys and metadata values interned into small tables so
//! the filter indexes hold integers; and two WITHOUT ROWID index tables (`record_tags`,
//! `record_meta`) keyed so that "newest N with this tag / this metadata value" is one ordered
//! range scan, and so that a group-by reads the measures it needs (duration, status, tokens)
//! without joining back to `records`. Those index tables hold the *effective* tags and metadata
//! (as logged, plus review events); `records.logged` keeps what the client sent when they differ.

use rusqlite::Connection;

/// Migrations in order; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by BLOB
);
CREATE TABLE log_streams (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    num_traces INTEGER NOT NULL DEFAULT 0,
    num_spans INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, name)
);
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash BLOB NOT NULL UNIQUE,
    role TEXT NOT NULL,
    projects TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    stream_id INTEGER NOT NULL REFERENCES log_streams(id),
    name TEXT,
    external_id TEXT,
    previous BLOB,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_external ON sessions (stream_id, external_id);

CREATE TABLE tag_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE meta_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE meta_values (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE, num REAL);
CREATE INDEX meta_values_by_num ON meta_values (num) WHERE num IS NOT NULL;

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    stream_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    root INTEGER GENERATED ALWAYS AS (kind = 0) VIRTUAL,
    trace_uuid BLOB NOT NULL,
    parent_uuid BLOB,
    session_uuid BLOB,
    created_at INTEGER NOT NULL,
    duration_ns INTEGER,
    status_code INTEGER,
    model TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    total_tokens INTEGER,
    name TEXT NOT NULL,
    external_id TEXT,
    is_complete INTEGER NOT NULL,
    tags TEXT NOT NULL,
    metadata TEXT NOT NULL,
    logged TEXT,
    body TEXT NOT NULL
);
CREATE INDEX records_by_stream ON records (stream_id, root, created_at);
CREATE INDEX records_by_trace ON records (trace_uuid);

CREATE TABLE record_tags (
    stream_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    root INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    duration_ns INTEGER,
    status_code INTEGER,
    input_tokens INTEGER,
    output_tokens INTEGER,
    PRIMARY KEY (stream_id, tag_id, root, created_at, record_id)
) WITHOUT ROWID;
CREATE TABLE record_meta (
    stream_id INTEGER NOT NULL,
    key_id INTEGER NOT NULL,
    value_id INTEGER NOT NULL,
    root INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    duration_ns INTEGER,
    status_code INTEGER,
    input_tokens INTEGER,
    output_tokens INTEGER,
    PRIMARY KEY (stream_id, key_id, value_id, root, created_at, record_id)
) WITHOUT ROWID;

CREATE TABLE pending_patches (
    uuid BLOB PRIMARY KEY,
    stream_id INTEGER NOT NULL,
    patch TEXT NOT NULL
);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    stream_id INTEGER NOT NULL,
    record_uuid BLOB NOT NULL,
    record_type TEXT NOT NULL,
    path TEXT NOT NULL,
    raw TEXT NOT NULL,
    violations TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX quarantine_by_stream ON quarantine (stream_id, id);

CREATE TABLE annotation_events (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    record_id INTEGER NOT NULL,
    op TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    previous TEXT,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL,
    undoes INTEGER,
    job BLOB
);
CREATE INDEX annotation_events_by_record ON annotation_events (record_id, id);
CREATE INDEX annotation_events_by_job ON annotation_events (job) WHERE job IS NOT NULL;
"#,
    r#"
ALTER TABLE projects ADD COLUMN pii_policy TEXT NOT NULL DEFAULT 'warn';
CREATE TABLE bulk_jobs (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE,
    project_id INTEGER NOT NULL,
    stream_uuid BLOB NOT NULL,
    root TEXT NOT NULL,
    query TEXT NOT NULL,
    ops TEXT NOT NULL,
    state TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    undo_of BLOB,
    error TEXT
);
CREATE INDEX bulk_jobs_by_project ON bulk_jobs (project_id, id);
CREATE TABLE tag_registry (
    project_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    description TEXT,
    colour TEXT,
    PRIMARY KEY (project_id, tag)
) WITHOUT ROWID;
CREATE TABLE key_registry (
    project_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE quarantine ADD COLUMN trace_uuid BLOB;
ALTER TABLE quarantine ADD COLUMN parent_uuid BLOB;
ALTER TABLE quarantine ADD COLUMN session_uuid BLOB;
"#,
    // Record and trace ids leave `records` for `record_ids` and `trace_ids`, which are filled in
    // uuid order in batches (see ids.rs): the UNIQUE index on `records.uuid` and the index on
    // `records.trace_uuid` took every insert at a random page.
    r#"
CREATE TABLE records_v4 (
    id INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL,
    stream_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    root INTEGER GENERATED ALWAYS AS (kind = 0) VIRTUAL,
    trace_uuid BLOB NOT NULL,
    parent_uuid BLOB,
    session_uuid BLOB,
    created_at INTEGER NOT NULL,
    duration_ns INTEGER,
    status_code INTEGER,
    model TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    total_tokens INTEGER,
    name TEXT NOT NULL,
    external_id TEXT,
    is_complete INTEGER NOT NULL,
    tags TEXT NOT NULL,
    metadata TEXT NOT NULL,
    logged TEXT,
    body TEXT NOT NULL
);
INSERT INTO records_v4 (id, uuid, stream_id, kind, trace_uuid, parent_uuid, session_uuid, created_at, duration_ns,
    status_code, model, input_tokens, output_tokens, total_tokens, name, external_id, is_complete, tags, metadata,
    logged, body)
SELECT id, uuid, stream_id, kind, trace_uuid, parent_uuid, session_uuid, created_at, duration_ns, status_code, model,
    input_tokens, output_tokens, total_tokens, name, external_id, is_complete, tags, metadata, logged, body
FROM records;
DROP TABLE records;
ALTER TABLE records_v4 RENAME TO records;
CREATE INDEX records_by_stream ON records (stream_id, root, created_at);

CREATE TABLE record_ids (uuid BLOB PRIMARY KEY, record_id INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO record_ids (uuid, record_id) SELECT uuid, id FROM records ORDER BY uuid;
CREATE TABLE trace_ids (
    trace_uuid BLOB NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (trace_uuid, record_id)
) WITHOUT ROWID;
INSERT INTO trace_ids (trace_uuid, record_id) SELECT trace_uuid, id FROM records ORDER BY trace_uuid, id;
CREATE TABLE store_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO store_state (name, value) VALUES ('record_ids_upto', (SELECT coalesce(max(id), 0) FROM records));
"#,
];

/// Runs the migrations that have not run yet, each in its own transaction. The version is read
/// again after taking the write lock, so two processes opening a new data directory at once
/// (a server and `parallax keys`) cannot both run the same migration.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Runs the migrations up to and including number `last` (tests build old layouts with it).
pub(crate) fn migrate_to(conn: &mut Connection, last: usize) -> rusqlite::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done = tx.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
        let Some(sql) = MIGRATIONS.get(done).filter(|_| done < last) else {
            return tx.commit();
        };
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", done + 1))?;
        tx.commit()?;
    }
}

/// Connection settings shared by the writer and the readers.
///
/// WAL with `synchronous = NORMAL`: a committed transaction is in the WAL file before the commit
/// returns, so it survives the process being killed (`kill -9`); only a power loss can lose the
/// last few commits, which is the trade storage-notes.md measured. `wal_autocheckpoint = 10000`
/// makes checkpoints rarer and larger, which the notes found faster for sustained ingest; the
/// writer's connection raises it further (checkpoint.rs).
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = OFF;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA busy_timeout = 10000;
         PRAGMA wal_autocheckpoint = 10000;",
    )
}
