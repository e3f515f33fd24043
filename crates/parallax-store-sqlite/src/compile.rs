//! The filter model compiled to parameterised SQL over `records r`.
//!
//! User text only ever becomes a bound parameter; the SQL text is assembled from fixed pieces.
//! Names that SQL needs as ids (tags, metadata keys and values) are resolved to interned ids
//! first; a name nobody logged makes its predicate false (`0`), per the model's rule that an
//! unknown metadata key matches nothing.
//!
//! Predicates are written against [`Keys`], the columns that identify a record in the index
//! tables (stream, root, created_at, rowid). When a query is driven from an index table those
//! come from the driver row, so predicates that only need index lookups never touch `records`.

use parallax_model::RecordType;
use parallax_query::{CmpOp, Expr, Field, Predicate, Value};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};

/// Column expressions that identify the current record.
#[derive(Clone, Copy)]
pub struct Keys {
    pub stream: &'static str,
    pub root: &'static str,
    pub created: &'static str,
    pub id: &'static str,
}

pub const RECORD_KEYS: Keys = Keys {
    stream: "r.stream_id",
    root: "r.root",
    created: "r.created_at",
    id: "r.id",
};
pub const DRIVER_KEYS: Keys = Keys {
    stream: "d.stream_id",
    root: "d.root",
    created: "d.created_at",
    id: "d.record_id",
};

pub struct Compiler<'c> {
    pub conn: &'c Connection,
    pub params: Vec<Sql>,
}

impl<'c> Compiler<'c> {
    pub fn new(conn: &'c Connection) -> Compiler<'c> {
        Compiler {
            conn,
            params: Vec::new(),
        }
    }

    /// Binds a value and returns its placeholder.
    pub fn bind(&mut self, v: impl Into<Sql>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }

    pub fn expr(&mut self, e: &Expr, k: Keys) -> rusqlite::Result<String> {
        Ok(match e {
            Expr::And(parts) => self.join(parts, " AND ", k)?,
            Expr::Or(parts) => self.join(parts, " OR ", k)?,
            // The exact complement: a predicate that is NULL (absent value) counts as false.
            Expr::Not(inner) => format!("NOT COALESCE(({}), 0)", self.expr(inner, k)?),
            Expr::Pred(p) => self.pred(p, k)?,
        })
    }

    fn join(&mut self, parts: &[Expr], sep: &str, k: Keys) -> rusqlite::Result<String> {
        let sqls = parts
            .iter()
            .map(|p| self.expr(p, k))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(format!("({})", sqls.join(sep)))
    }

    pub fn tag_ids(&self, names: &[String], case_sensitive: bool) -> rusqlite::Result<Vec<i64>> {
        let mut ids = Vec::new();
        if case_sensitive {
            let mut st = self
                .conn
                .prepare_cached("SELECT id FROM tag_names WHERE name = ?1")?;
            for n in names {
                if let Some(id) = st.query_row([n], |r| r.get(0)).optional()? {
                    ids.push(id);
                }
            }
        } else {
            let wanted: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
            let mut st = self.conn.prepare_cached("SELECT id, name FROM tag_names")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (id, name) = row?;
                if wanted.contains(&name.to_lowercase()) {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    pub fn key_id(&self, key: &str) -> rusqlite::Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT id FROM meta_keys WHERE name = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()
    }

    pub fn value_id(&self, value: &str) -> rusqlite::Result<Option<i64>> {
        self.conn
            .prepare_cached("SELECT id FROM meta_values WHERE value = ?1")?
            .query_row([value], |r| r.get(0))
            .optional()
    }

    fn in_list(&mut self, ids: &[i64]) -> String {
        let ps: Vec<String> = ids.iter().map(|i| self.bind(*i)).collect();
        ps.join(", ")
    }

    /// `EXISTS` over `record_tags` by its full primary key: one index probe per tag id.
    pub fn has_tag_sql(&mut self, ids: &[i64], k: Keys) -> String {
        if ids.is_empty() {
            return "0".into();
        }
        let list = self.in_list(ids);
        format!(
            "EXISTS (SELECT 1 FROM record_tags t WHERE t.stream_id = {} AND t.tag_id IN ({list}) AND t.root = {} AND t.created_at = {} AND t.record_id = {})",
            k.stream, k.root, k.created, k.id
        )
    }

    /// `EXISTS` over `record_meta` by its full primary key.
    pub fn has_meta_sql(&mut self, key_id: i64, value_ids: &[i64], k: Keys) -> String {
        if value_ids.is_empty() {
            return "0".into();
        }
        let key = self.bind(key_id);
        let list = self.in_list(value_ids);
        format!(
            "EXISTS (SELECT 1 FROM record_meta m WHERE m.stream_id = {} AND m.key_id = {key} AND m.value_id IN ({list}) AND m.root = {} AND m.created_at = {} AND m.record_id = {})",
            k.stream, k.root, k.created, k.id
        )
    }

    fn pred(&mut self, p: &Predicate, k: Keys) -> rusqlite::Result<String> {
        match p {
            Predicate::HasTag {
                any_of,
                case_sensitive,
            } => {
                let ids = self.tag_ids(any_of, *case_sensitive)?;
                Ok(self.has_tag_sql(&ids, k))
            }
            Predicate::Exists(Field::Metadata(key)) => {
                let key = self.bind(key.clone());
                Ok(format!(
                    "EXISTS (SELECT 1 FROM json_each(r.metadata) j WHERE j.key = {key})"
                ))
            }
            Predicate::Exists(field) => Ok(format!("({} IS NOT NULL)", self.column(field)?)),
            Predicate::Compare {
                field: Field::Metadata(key),
                op,
                value,
                case_sensitive,
            } => self.meta_compare(key, *op, value, *case_sensitive, k),
            Predicate::In {
                field: Field::Metadata(key),
                values,
                negated,
                case_sensitive,
            } => {
                if !negated && *case_sensitive && values.iter().all(|v| matches!(v, Value::Str(_)))
                {
                    let Some(key_id) = self.key_id(key)? else {
                        return Ok("0".into());
                    };
                    let mut ids = Vec::new();
                    for v in values {
                        if let Value::Str(s) = v {
                            ids.extend(self.value_id(s)?);
                        }
                    }
                    return Ok(self.has_meta_sql(key_id, &ids, k));
                }
                let each: Vec<String> = values
                    .iter()
                    .map(|v| self.value_test("j.value", CmpOp::Eq, v, *case_sensitive))
                    .collect::<rusqlite::Result<_>>()?;
                let any = format!("({})", each.join(" OR "));
                let test = if *negated {
                    format!("NOT COALESCE({any}, 0)")
                } else {
                    any
                };
                let key = self.bind(key.clone());
                Ok(format!(
                    "EXISTS (SELECT 1 FROM json_each(r.metadata) j WHERE j.key = {key} AND {test})"
                ))
            }
            Predicate::Compare {
                field,
                op,
                value,
                case_sensitive,
            } => {
                let col = self.column(field)?;
                self.field_compare(field, &col, *op, value, *case_sensitive)
            }
            Predicate::In {
                field,
                values,
                negated,
                case_sensitive,
            } => {
                let col = self.column(field)?;
                let each: Vec<String> = values
                    .iter()
                    .map(|v| self.field_compare(field, &col, CmpOp::Eq, v, *case_sensitive))
                    .collect::<rusqlite::Result<_>>()?;
                let any = format!("({})", each.join(" OR "));
                Ok(if *negated {
                    format!("({col} IS NOT NULL AND NOT COALESCE({any}, 0))")
                } else {
                    any
                })
            }
        }
    }

    fn meta_compare(
        &mut self,
        key: &str,
        op: CmpOp,
        value: &Value,
        cs: bool,
        k: Keys,
    ) -> rusqlite::Result<String> {
        if let (CmpOp::Eq, Value::Str(s), true) = (op, value, cs) {
            // The indexed path: a point lookup on (key, value).
            let Some(key_id) = self.key_id(key)? else {
                return Ok("0".into());
            };
            let ids: Vec<i64> = self.value_id(s)?.into_iter().collect();
            return Ok(self.has_meta_sql(key_id, &ids, k));
        }
        let test = self.value_test("j.value", op, value, cs)?;
        let key = self.bind(key.to_owned());
        Ok(format!(
            "EXISTS (SELECT 1 FROM json_each(r.metadata) j WHERE j.key = {key} AND {test})"
        ))
    }

    /// A test on a metadata value (text) per the model: numbers compare numerically, strings as
    /// text with or without case.
    fn value_test(
        &mut self,
        col: &str,
        op: CmpOp,
        value: &Value,
        cs: bool,
    ) -> rusqlite::Result<String> {
        Ok(match value {
            Value::Num(n) => {
                let p = self.bind(*n);
                format!("(plx_num({col}) {} {p})", sql_op(op))
            }
            Value::Str(s) => self.text_compare(col, op, s, cs),
            Value::Bool(b) => self.text_compare(col, op, if *b { "true" } else { "false" }, false),
            Value::Time(t) => {
                let p = self.bind(parallax_model::Timestamp(*t).to_rfc3339());
                format!("({col} {} {p})", sql_op(op))
            }
            Value::DurationNs(d) => {
                let p = self.bind(*d as f64);
                format!("(plx_num({col}) {} {p})", sql_op(op))
            }
        })
    }

    fn text_compare(&mut self, col: &str, op: CmpOp, s: &str, cs: bool) -> String {
        let (col, p) = if cs {
            (col.to_owned(), self.bind(s.to_owned()))
        } else {
            (format!("plx_lower({col})"), self.bind(s.to_lowercase()))
        };
        match op {
            CmpOp::Contains => format!("(instr({col}, {p}) > 0)"),
            other => format!("({col} {} {p})", sql_op(other)),
        }
    }

    /// The SQL expression of a standard field.
    pub fn column(&mut self, field: &Field) -> rusqlite::Result<String> {
        Ok(match field {
            Field::Metadata(key) => {
                let key = self.bind(key.clone());
                format!("(SELECT j.value FROM json_each(r.metadata) j WHERE j.key = {key})")
            }
            Field::Metric(key) => {
                let path = self.bind(format!("$.x.metrics.\"{}\"", key.replace('"', "")));
                format!("json_extract(plx_body(r.body), {path})")
            }
            Field::Id => "plx_uuid(r.uuid)".into(),
            Field::TraceId => "plx_uuid(r.trace_uuid)".into(),
            Field::ParentId => "plx_uuid(r.parent_uuid)".into(),
            Field::SessionId => "plx_uuid(r.session_uuid)".into(),
            Field::ExternalId => "r.external_id".into(),
            Field::Name => "r.name".into(),
            Field::Type => "r.kind".into(),
            Field::Model => "r.model".into(),
            Field::StatusCode => "r.status_code".into(),
            Field::Duration => "r.duration_ns".into(),
            Field::InputTokens => "r.input_tokens".into(),
            Field::OutputTokens => "r.output_tokens".into(),
            Field::TotalTokens => "r.total_tokens".into(),
            Field::CreatedAt => "r.created_at".into(),
            Field::Input => "json_extract(plx_body(r.body), '$.i')".into(),
            Field::Output => "json_extract(plx_body(r.body), '$.o')".into(),
            Field::IsComplete => "r.is_complete".into(),
        })
    }

    fn field_compare(
        &mut self,
        field: &Field,
        col: &str,
        op: CmpOp,
        value: &Value,
        cs: bool,
    ) -> rusqlite::Result<String> {
        if *field == Field::Type {
            // Types are stored as codes: find the codes whose names pass the test.
            let codes: Vec<String> = RecordType::ALL
                .iter()
                .filter(|t| match value {
                    Value::Str(s) => text_matches(t.as_str(), op, s, cs),
                    _ => false,
                })
                .map(|t| t.code().to_string())
                .collect();
            return Ok(format!("({col} IN ({}))", codes.join(", ")));
        }
        if let (
            Field::Id | Field::TraceId | Field::ParentId | Field::SessionId,
            CmpOp::Eq,
            Value::Str(s),
        ) = (field, op, value)
        {
            if let Ok(u) = uuid::Uuid::parse_str(s) {
                let blob_col = col
                    .trim_start_matches("plx_uuid(")
                    .trim_end_matches(')')
                    .to_owned();
                let p = self.bind(u.as_bytes().to_vec());
                return Ok(format!("({blob_col} = {p})"));
            }
        }
        Ok(match value {
            Value::Str(s) => self.text_compare(col, op, s, cs),
            Value::Num(n) => {
                let p = self.bind(*n);
                format!("({col} {} {p})", sql_op(op))
            }
            Value::Bool(b) => {
                let p = self.bind(*b as i64);
                format!("({col} {} {p})", sql_op(op))
            }
            Value::Time(t) | Value::DurationNs(t) => {
                let p = self.bind(*t);
                format!("({col} {} {p})", sql_op(op))
            }
        })
    }
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Contains => "=",
    }
}

fn text_matches(have: &str, op: CmpOp, want: &str, cs: bool) -> bool {
    let (h, w) = if cs {
        (have.to_owned(), want.to_owned())
    } else {
        (have.to_lowercase(), want.to_lowercase())
    };
    match op {
        CmpOp::Eq => h == w,
        CmpOp::Ne => h != w,
        CmpOp::Contains => h.contains(&w),
        CmpOp::Lt => h < w,
        CmpOp::Le => h <= w,
        CmpOp::Gt => h > w,
        CmpOp::Ge => h >= w,
    }
}

/// Whether an expression can be checked from index keys alone (no column of `records`).
pub fn keys_only(e: &Expr) -> bool {
    match e {
        Expr::And(p) | Expr::Or(p) => p.iter().all(keys_only),
        Expr::Not(inner) => keys_only(inner),
        Expr::Pred(Predicate::HasTag { .. }) => true,
        Expr::Pred(Predicate::Compare {
            field: Field::Metadata(_),
            op: CmpOp::Eq,
            value: Value::Str(_),
            case_sensitive: true,
        }) => true,
        Expr::Pred(_) => false,
    }
}
