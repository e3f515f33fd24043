//! PII findings on a record, as the ingest layer leaves them: `extra["pii"]` is a list of
//! `{"path": "metadata.contact", "kind": "email"}` on a flagged record, and `extra["pii_redacted"]`
//! says which values were replaced by a marker. The log stream shows a badge on such rows and the
//! trace page a panel listing each finding, so a reviewer sees what the policy `warn` let through
//! (the seed: "Avoid sensitive data. Never put PII or keys in either tags or metadata").

use maud::{html, Markup};
use parallax_model::Record;
use serde_json::Value;

/// One finding: where (a path like `metadata.contact` or `tags[2]`) and what (`email`, `phone`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub kind: String,
}

fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn findings_in(v: Option<&Value>) -> Vec<Finding> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Object(m) => Finding {
                    path: m.get("path").map(text).unwrap_or_default(),
                    kind: m.get("kind").map(text).unwrap_or_else(|| "pii".into()),
                },
                other => Finding {
                    path: text(other),
                    kind: "pii".into(),
                },
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The record's PII findings; empty when it has none (or a shape this console does not know).
pub fn findings(r: &Record) -> Vec<Finding> {
    findings_in(r.extra.get("pii"))
}

/// What was redacted: findings in the same shape, or a bare `true`.
pub fn redactions(r: &Record) -> Option<Vec<Finding>> {
    match r.extra.get("pii_redacted") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        other => Some(findings_in(other)),
    }
}

fn kinds(found: &[Finding]) -> String {
    let mut kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds.join(", ")
}

/// The badge of a log-stream row, or nothing.
pub fn badge(r: &Record) -> Markup {
    let found = findings(r);
    let redacted = redactions(r);
    html! {
        @if !found.is_empty() {
            span.badge.warn.pii title=(format!("Possible PII: {}", found.iter().map(|f| format!("{} at {}", f.kind, f.path)).collect::<Vec<_>>().join("; "))) {
                "PII"
            }
        } @else if redacted.is_some() {
            span.badge.pii.redacted title="Values were redacted at ingest" { "redacted" }
        }
    }
}

/// The warning panel of the trace page, or nothing.
pub fn panel(r: &Record) -> Markup {
    let found = findings(r);
    let redacted = redactions(r);
    html! {
        @if !found.is_empty() || redacted.is_some() {
            section #pii.pii-warning role="note" {
                h3 { "Possible personal data" }
                @if !found.is_empty() {
                    p { "This record's tags or metadata look like they hold " (kinds(&found)) ". The project's PII policy let it through with a warning." }
                    ul {
                        @for f in &found { li { span.badge.warn { (f.kind) } " at " code { (f.path) } } }
                    }
                }
                @if let Some(red) = &redacted {
                    p { "Some values were replaced by a marker at ingest." }
                    @if !red.is_empty() {
                        ul { @for f in red { li { span.badge { (f.kind) } " at " code { (f.path) } } } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_model::{RecordType, Timestamp};
    use serde_json::json;
    use uuid::Uuid;

    fn rec(extra: Value) -> Record {
        let id = Uuid::new_v4();
        let mut r = Record::new(id, RecordType::Trace, id, Timestamp(0));
        r.extra = extra.as_object().cloned().unwrap_or_default();
        r
    }

    #[test]
    fn findings_are_read_from_extra() {
        let r = rec(
            json!({"pii": [{"path": "metadata.contact", "kind": "email"}, {"path": "tags[0]", "kind": "phone"}]}),
        );
        assert_eq!(findings(&r).len(), 2);
        assert_eq!(
            findings(&r)[0],
            Finding {
                path: "metadata.contact".into(),
                kind: "email".into()
            }
        );
        let html = panel(&r).into_string();
        assert!(
            html.contains("email, phone") && html.contains("metadata.contact"),
            "{html}"
        );
        assert!(badge(&r).into_string().contains("PII"));
    }

    #[test]
    fn no_findings_no_warning() {
        for extra in [
            json!({}),
            json!({"pii": []}),
            json!({"pii": null}),
            json!({"pii": "odd"}),
        ] {
            let r = rec(extra);
            assert!(findings(&r).is_empty());
            assert_eq!(panel(&r).into_string(), "");
            assert_eq!(badge(&r).into_string(), "");
        }
    }

    #[test]
    fn redactions_accept_a_list_or_a_flag() {
        assert!(redactions(&rec(json!({"pii_redacted": true})))
            .unwrap()
            .is_empty());
        let r = rec(json!({"pii_redacted": [{"path": "metadata.k", "kind": "api_key"}]}));
        assert_eq!(redactions(&r).unwrap()[0].kind, "api_key");
        assert!(panel(&r).into_string().contains("replaced by a marker"));
        assert!(redactions(&rec(json!({"pii_redacted": false}))).is_none());
    }

    #[test]
    fn findings_are_escaped() {
        let r = rec(json!({"pii": [{"path": "<script>", "kind": "<b>"}]}));
        let html = panel(&r).into_string() + &badge(&r).into_string();
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
    }
}
