//! The control plane on SQLite: projects, log streams, API keys, users, sessions.

use crate::{internal, SqliteStore};
use parallax_model::Timestamp;
use parallax_store::*;
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

pub(crate) fn uuid_of(bytes: Vec<u8>) -> Uuid {
    Uuid::from_slice(&bytes).unwrap_or_default()
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

const PROJECT_COLS: &str = "uuid, name, created_at, created_by";

fn project_row(r: &Row) -> rusqlite::Result<Project> {
    Ok(Project {
        id: uuid_of(r.get(0)?),
        name: r.get(1)?,
        created_at: Timestamp(r.get(2)?),
        created_by: r.get::<_, Option<Vec<u8>>>(3)?.map(uuid_of),
    })
}

const STREAM_COLS: &str =
    "s.uuid, p.uuid, s.name, s.created_at, s.num_traces, s.num_spans FROM log_streams s JOIN projects p ON p.id = s.project_id";

fn stream_row(r: &Row) -> rusqlite::Result<LogStream> {
    Ok(LogStream {
        id: uuid_of(r.get(0)?),
        project_id: uuid_of(r.get(1)?),
        name: r.get(2)?,
        created_at: Timestamp(r.get(3)?),
        num_traces: r.get::<_, i64>(4)? as u64,
        num_spans: r.get::<_, i64>(5)? as u64,
    })
}

const KEY_COLS: &str = "uuid, name, prefix, role, projects, created_at, revoked_at";

fn key_row(r: &Row) -> rusqlite::Result<ApiKey> {
    let projects: Option<String> = r.get(4)?;
    Ok(ApiKey {
        id: uuid_of(r.get(0)?),
        name: r.get(1)?,
        prefix: r.get(2)?,
        role: Role::parse(&r.get::<_, String>(3)?).unwrap_or(Role::Viewer),
        projects: projects.map(|p| {
            p.split(',')
                .filter_map(|s| Uuid::parse_str(s).ok())
                .collect()
        }),
        created_at: Timestamp(r.get(5)?),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(Timestamp),
    })
}

const USER_COLS: &str = "uuid, email, role, password_hash, created_at";

fn user_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: uuid_of(r.get(0)?),
        email: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::Viewer),
        password_hash: r.get(3)?,
        created_at: Timestamp(r.get(4)?),
    })
}

const SESSION_COLS: &str = "se.uuid, p.uuid, s.uuid, se.name, se.external_id, se.previous, se.metadata, se.created_at \
     FROM sessions se JOIN log_streams s ON s.id = se.stream_id JOIN projects p ON p.id = s.project_id";

fn session_row(r: &Row) -> rusqlite::Result<Session> {
    Ok(Session {
        id: uuid_of(r.get(0)?),
        project_id: uuid_of(r.get(1)?),
        log_stream_id: uuid_of(r.get(2)?),
        name: r.get(3)?,
        external_id: r.get(4)?,
        previous_session_id: r.get::<_, Option<Vec<u8>>>(5)?.map(uuid_of),
        metadata: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
        created_at: Timestamp(r.get(7)?),
    })
}

/// The rowid of a log stream, checking it belongs to the project.
pub(crate) fn stream_rowid(
    conn: &Connection,
    project_id: Uuid,
    stream_id: Uuid,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "SELECT s.id FROM log_streams s JOIN projects p ON p.id = s.project_id WHERE s.uuid = ?1 AND p.uuid = ?2",
    )
    .and_then(|mut st| {
        st.query_row(params![stream_id.as_bytes(), project_id.as_bytes()], |r| r.get(0))
            .optional()
    })
    .map_err(internal)?
    .ok_or_else(|| StoreError::NotFound(format!("log stream {stream_id}")))
}

impl ControlStore for SqliteStore {
    fn create_project(&self, name: &str, created_by: Option<Uuid>) -> StoreResult<Project> {
        let project = Project {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            created_at: Timestamp::now(),
            created_by,
        };
        let p = project.clone();
        self.write(move |w| {
            w.conn
                .execute(
                    "INSERT INTO projects (uuid, name, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
                    params![p.id.as_bytes(), p.name, p.created_at.0, p.created_by.map(|u| u.as_bytes().to_vec())],
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(format!("a project named {:?} already exists", p.name))
                    } else {
                        internal(e)
                    }
                })?;
            Ok(())
        })?;
        Ok(project)
    }

    fn project(&self, id: Uuid) -> StoreResult<Option<Project>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {PROJECT_COLS} FROM projects WHERE uuid = ?1"),
                [id.as_bytes()],
                project_row,
            )
            .optional()
        })
    }

    fn project_by_name(&self, name: &str) -> StoreResult<Option<Project>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {PROJECT_COLS} FROM projects WHERE name = ?1"),
                [name],
                project_row,
            )
            .optional()
        })
    }

    fn projects(&self) -> StoreResult<Vec<Project>> {
        self.read(|c| {
            c.prepare(&format!("SELECT {PROJECT_COLS} FROM projects ORDER BY id"))?
                .query_map([], project_row)?
                .collect()
        })
    }

    fn create_log_stream(&self, project_id: Uuid, name: &str) -> StoreResult<LogStream> {
        let stream = LogStream {
            id: Uuid::new_v4(),
            project_id,
            name: name.to_owned(),
            created_at: Timestamp::now(),
            num_traces: 0,
            num_spans: 0,
        };
        let s = stream.clone();
        self.write(move |w| {
            let pid: i64 = w
                .conn
                .query_row("SELECT id FROM projects WHERE uuid = ?1", [s.project_id.as_bytes()], |r| r.get(0))
                .optional()
                .map_err(internal)?
                .ok_or_else(|| StoreError::NotFound(format!("project {}", s.project_id)))?;
            w.conn
                .execute(
                    "INSERT INTO log_streams (uuid, project_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![s.id.as_bytes(), pid, s.name, s.created_at.0],
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(format!("a log stream named {:?} already exists in this project", s.name))
                    } else {
                        internal(e)
                    }
                })?;
            Ok(())
        })?;
        Ok(stream)
    }

    fn log_stream(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<LogStream>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {STREAM_COLS} WHERE s.uuid = ?1 AND p.uuid = ?2"),
                params![id.as_bytes(), project_id.as_bytes()],
                stream_row,
            )
            .optional()
        })
    }

    fn log_streams(&self, project_id: Uuid) -> StoreResult<Vec<LogStream>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {STREAM_COLS} WHERE p.uuid = ?1 ORDER BY s.id"
            ))?
            .query_map([project_id.as_bytes()], stream_row)?
            .collect()
        })
    }

    fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey> {
        let made = ApiKey {
            id: Uuid::new_v4(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            role: key.role,
            projects: key.projects.clone(),
            created_at: Timestamp::now(),
            revoked_at: None,
        };
        let k = made.clone();
        self.write(move |w| {
            let projects = k.projects.as_ref().map(|ids| {
                ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",")
            });
            w.conn
                .execute(
                    "INSERT INTO api_keys (uuid, name, prefix, hash, role, projects, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![k.id.as_bytes(), k.name, k.prefix, key.hash, k.role.as_str(), projects, k.created_at.0],
                )
                .map_err(internal)?;
            Ok(())
        })?;
        Ok(made)
    }

    fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {KEY_COLS} FROM api_keys WHERE hash = ?1 AND revoked_at IS NULL"
            ))?
            .query_row([hash], key_row)
            .optional()
        })
    }

    fn api_key(&self, id: Uuid) -> StoreResult<Option<ApiKey>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {KEY_COLS} FROM api_keys WHERE uuid = ?1 AND revoked_at IS NULL"
            ))?
            .query_row([id.as_bytes()], key_row)
            .optional()
        })
    }

    fn api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        self.read(|c| {
            c.prepare(&format!("SELECT {KEY_COLS} FROM api_keys ORDER BY id"))?
                .query_map([], key_row)?
                .collect()
        })
    }

    fn revoke_api_key(&self, id_or_prefix: &str) -> StoreResult<bool> {
        let needle = id_or_prefix.to_owned();
        self.write(move |w| {
            let by_id = Uuid::parse_str(&needle).ok().map(|u| u.as_bytes().to_vec());
            let n = w
                .conn
                .execute(
                    "UPDATE api_keys SET revoked_at = ?1 WHERE revoked_at IS NULL AND (uuid = ?2 OR prefix = ?3)",
                    params![Timestamp::now().0, by_id, needle],
                )
                .map_err(internal)?;
            Ok(n > 0)
        })
    }

    fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let made = User {
            id: Uuid::new_v4(),
            email: user.email,
            role: user.role,
            password_hash: user.password_hash,
            created_at: Timestamp::now(),
        };
        let u = made.clone();
        self.write(move |w| {
            w.conn
                .execute(
                    "INSERT INTO users (uuid, email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![u.id.as_bytes(), u.email, u.role.as_str(), u.password_hash, u.created_at.0],
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(format!("a user with e-mail {} already exists", u.email))
                    } else {
                        internal(e)
                    }
                })?;
            Ok(())
        })?;
        Ok(made)
    }

    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE email = ?1"),
                [email],
                user_row,
            )
            .optional()
        })
    }

    fn user(&self, id: Uuid) -> StoreResult<Option<User>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE uuid = ?1"),
                [id.as_bytes()],
                user_row,
            )
            .optional()
        })
    }

    fn users(&self) -> StoreResult<Vec<User>> {
        self.read(|c| {
            c.prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY id"))?
                .query_map([], user_row)?
                .collect()
        })
    }

    fn create_session(&self, s: NewSession) -> StoreResult<Session> {
        let made = Session {
            id: Uuid::new_v4(),
            project_id: s.project_id,
            log_stream_id: s.log_stream_id,
            name: s.name,
            external_id: s.external_id,
            previous_session_id: s.previous_session_id,
            metadata: s.metadata,
            created_at: Timestamp::now(),
        };
        let m = made.clone();
        self.write(move |w| {
            let stream = stream_rowid(&w.conn, m.project_id, m.log_stream_id)?;
            w.conn
                .execute(
                    "INSERT INTO sessions (uuid, stream_id, name, external_id, previous, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        m.id.as_bytes(),
                        stream,
                        m.name,
                        m.external_id,
                        m.previous_session_id.map(|u| u.as_bytes().to_vec()),
                        m.metadata.to_string(),
                        m.created_at.0
                    ],
                )
                .map_err(internal)?;
            Ok(())
        })?;
        Ok(made)
    }

    fn sessions_by_external_id(
        &self,
        log_stream_id: Uuid,
        external_id: &str,
    ) -> StoreResult<Vec<Session>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {SESSION_COLS} WHERE s.uuid = ?1 AND se.external_id = ?2 ORDER BY se.id"
            ))?
            .query_map(params![log_stream_id.as_bytes(), external_id], session_row)?
            .collect()
        })
    }
}
