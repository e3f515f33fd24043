//! The URL parameters of a log-stream view, shared by the table, the group-by view and the
//! export links, so that a link always reproduces what the person saw.
//!
//! `?q=<text query>&root=trace|span|session&sort=<column>&dir=asc|desc&col=<column>…&cursor=…&at=…&by=…`
//! (`at` is the position of the page's first row, which a cursor does not tell; the trace page
//! uses it to step through the filter record by record, see [`super::nav`]).
//! Columns are named `time`, `id`, `type`, `name`, `input`, `output`, `duration`, `status`,
//! `model`, `tokens`, `tags` and `metadata.<key>`; `col` repeats, one per visible column (a key
//! may contain commas, so the list is not comma-joined). Parameters at their default value are
//! left out of generated links.

use parallax_query::{parse, print, CmpOp, Expr, Field, ParseError, Predicate, Root, Sort, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub q: String,
    pub root: RootParam,
    /// A column id; `None` is newest first.
    pub sort: Option<String>,
    pub ascending: bool,
    /// The visible columns; empty means the default set.
    pub cols: Vec<String>,
    pub cursor: Option<String>,
    /// The position of the page's first row in the whole view.
    pub at: usize,
    /// The group-by view's grouping: `tag`, `model`, `type`, `status_code` or `metadata.<key>`.
    pub by: Option<String>,
}

/// `Root` with a default (traces) and the URL spelling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RootParam {
    #[default]
    Trace,
    Span,
    Session,
}

impl RootParam {
    pub fn parse(s: &str) -> RootParam {
        match s {
            "span" | "spans" => RootParam::Span,
            "session" | "sessions" => RootParam::Session,
            _ => RootParam::Trace,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RootParam::Trace => "trace",
            RootParam::Span => "span",
            RootParam::Session => "session",
        }
    }

    pub fn root(self) -> Root {
        match self {
            RootParam::Trace => Root::Trace,
            RootParam::Span => Root::Span,
            RootParam::Session => Root::Session,
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            RootParam::Trace => "traces",
            RootParam::Span => "spans",
            RootParam::Session => "sessions",
        }
    }
}

/// The field a sortable column sorts by; `tags` and unknown names sort by nothing.
pub fn sort_field(column: &str) -> Option<Field> {
    if let Some(key) = column.strip_prefix("metadata.") {
        return (!key.is_empty()).then(|| Field::Metadata(key.to_owned()));
    }
    Some(match column {
        "time" => Field::CreatedAt,
        "id" => Field::Id,
        "type" => Field::Type,
        "name" => Field::Name,
        "input" => Field::Input,
        "output" => Field::Output,
        "duration" => Field::Duration,
        "status" => Field::StatusCode,
        "model" => Field::Model,
        "tokens" => Field::TotalTokens,
        _ => return None,
    })
}

impl View {
    /// Reads the query string; unknown parameters are ignored and bad values fall back to defaults.
    pub fn from_query(raw: Option<&str>) -> View {
        let pairs: Vec<(String, String)> = raw
            .and_then(|r| serde_urlencoded::from_str(r).ok())
            .unwrap_or_default();
        let mut v = View::default();
        for (k, val) in pairs {
            match k.as_str() {
                "q" => v.q = val,
                "root" => v.root = RootParam::parse(&val),
                "sort" if sort_field(&val).is_some() => v.sort = Some(val),
                "dir" => v.ascending = val == "asc",
                "col" if !val.is_empty() && !v.cols.contains(&val) => v.cols.push(val),
                "cursor" if !val.is_empty() => v.cursor = Some(val),
                "at" => v.at = val.parse().unwrap_or(0),
                "by" if !val.is_empty() => v.by = Some(val),
                _ => {}
            }
        }
        v
    }

    /// The query string of this view (without `?`), leaving out defaults.
    pub fn query_string(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.q.trim().is_empty() {
            pairs.push(("q", &self.q));
        }
        if self.root != RootParam::Trace {
            pairs.push(("root", self.root.as_str()));
        }
        if let Some(s) = &self.sort {
            pairs.push(("sort", s));
            pairs.push(("dir", if self.ascending { "asc" } else { "desc" }));
        }
        for c in &self.cols {
            pairs.push(("col", c));
        }
        if let Some(c) = &self.cursor {
            pairs.push(("cursor", c));
        }
        let at = self.at.to_string();
        if self.at > 0 {
            pairs.push(("at", &at));
        }
        if let Some(b) = &self.by {
            pairs.push(("by", b));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// `base` with this view's query string.
    pub fn href(&self, base: &str) -> String {
        let qs = self.query_string();
        if qs.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{qs}")
        }
    }

    /// The same view on its first page with another filter.
    pub fn with_q(&self, q: String) -> View {
        View {
            q,
            cursor: None,
            at: 0,
            ..self.clone()
        }
    }

    /// The same view, first page, sorted by `column`: a second click on the sorted column flips
    /// the direction; a new column starts descending (largest, newest first).
    pub fn sorted_by(&self, column: &str) -> View {
        let ascending = if self.sort_column() == column {
            !self.ascending_effective()
        } else {
            false
        };
        View {
            sort: Some(column.to_owned()),
            ascending,
            cursor: None,
            at: 0,
            ..self.clone()
        }
    }

    pub fn sort_column(&self) -> &str {
        self.sort.as_deref().unwrap_or("time")
    }

    pub fn ascending_effective(&self) -> bool {
        self.sort.is_some() && self.ascending
    }

    pub fn sort(&self) -> Sort {
        match self.sort.as_deref().and_then(sort_field) {
            Some(field) => Sort {
                field,
                ascending: self.ascending,
            },
            None => Sort::default(),
        }
    }

    pub fn filter(&self) -> Result<Option<Expr>, ParseError> {
        parse(&self.q)
    }
}

/// The text of a filter that also requires `clause`, keeping the person's own spelling of the
/// existing filter. A clause already required at the top level is not added twice.
pub fn add_clause(q: &str, clause: &Expr) -> String {
    let text = print(clause);
    match parse(q) {
        Ok(None) => text,
        Ok(Some(existing)) => {
            let top: Vec<&Expr> = match &existing {
                Expr::And(children) => children.iter().collect(),
                one => vec![one],
            };
            if top.contains(&clause) {
                q.to_owned()
            } else if matches!(existing, Expr::Or(_)) {
                format!("({}) and {text}", q.trim())
            } else {
                format!("{} and {text}", q.trim())
            }
        }
        Err(_) => format!("{} and {text}", q.trim()),
    }
}

pub fn tag_clause(tag: &str) -> Expr {
    Expr::Pred(Predicate::HasTag {
        any_of: vec![tag.to_owned()],
        case_sensitive: true,
    })
}

pub fn metadata_clause(key: &str, value: &str) -> Expr {
    Expr::Pred(Predicate::Compare {
        field: Field::Metadata(key.to_owned()),
        op: CmpOp::Eq,
        value: Value::Str(value.to_owned()),
        case_sensitive: true,
    })
}

/// A clause for a field that has one plain text value (model, type, name).
pub fn field_clause(field: Field, value: &str) -> Expr {
    Expr::Pred(Predicate::Compare {
        field,
        op: CmpOp::Eq,
        value: Value::Str(value.to_owned()),
        case_sensitive: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_query_string() {
        let v = View::from_query(Some("q=tag%3Anewton&root=span&sort=metadata.field&dir=asc&col=time&col=metadata.a%2Cb&cursor=xyz&at=50"));
        assert_eq!(v.at, 50);
        assert_eq!(v.q, "tag:newton");
        assert_eq!(v.root, RootParam::Span);
        assert_eq!(v.cols, vec!["time".to_string(), "metadata.a,b".to_string()]);
        assert_eq!(View::from_query(Some(&v.query_string())), v);
        assert_eq!(
            v.sort(),
            Sort {
                field: Field::Metadata("field".into()),
                ascending: true
            }
        );
        assert_eq!(View::default().href("/x"), "/x");
    }

    #[test]
    fn sorting_toggles() {
        let v = View::default();
        assert!(v.sorted_by("time").ascending);
        let d = v.sorted_by("duration");
        assert!(!d.ascending);
        assert!(d.sorted_by("duration").ascending);
    }

    #[test]
    fn clauses_are_added_once_and_keep_the_user_spelling() {
        let t = tag_clause("newton");
        assert_eq!(add_clause("", &t), "tag:newton");
        assert_eq!(
            add_clause("metadata.field = \"physics\"", &t),
            "metadata.field = \"physics\" and tag:newton"
        );
        assert_eq!(
            add_clause("tag:newton and tag:x", &t),
            "tag:newton and tag:x"
        );
        assert_eq!(
            add_clause("tag:a or tag:b", &t),
            "(tag:a or tag:b) and tag:newton"
        );
        assert_eq!(
            add_clause("", &metadata_clause("promptVersion", "0.0.1")),
            "metadata.promptVersion = 0.0.1"
        );
        assert_eq!(
            add_clause("", &tag_clause("<img src=x onerror=alert(1)>")),
            "tag:\"<img src=x onerror=alert(1)>\""
        );
    }
}
