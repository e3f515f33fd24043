//! What the console's review pages share: who may annotate, the actor a console user's changes
//! are recorded under, reading ops and fields from forms, and the datalists that offer the
//! project's vocabulary in tag and key inputs.
//!
//! PRODUCT.md: "annotator (may annotate, may not delete or manage keys), viewer". Pages hide the
//! edit controls from viewers with [`can_annotate`], but the rule is the server's: every review
//! POST takes [`ReviewerUser`], so a forged form from a viewer's session gets a 403 whatever
//! the page showed.

use super::layout::forbidden_page;
use super::session::ConsoleUser;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use maud::{html, Markup};
use parallax_model::{MetadataKey, MetadataValue, Tag};
use parallax_store::{Actor, AnnotationOp, MetadataKeyStats, Role, TagInfo};

/// Whether the user may annotate (admins and annotators).
pub fn can_annotate(user: &ConsoleUser) -> bool {
    matches!(user.role, Role::Admin | Role::Annotator)
}

/// A logged-in user who may annotate; a viewer gets the 403 page.
pub struct ReviewerUser(pub ConsoleUser);

impl FromRequestParts<AppState> for ReviewerUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ReviewerUser, Response> {
        let user = ConsoleUser::from_request_parts(parts, state).await?;
        if can_annotate(&user) {
            Ok(ReviewerUser(user))
        } else {
            Err(forbidden_page(&user, "Viewers may read but not annotate."))
        }
    }
}

/// The actor recorded with a console user's annotation events.
pub fn actor(user: &ConsoleUser) -> Actor {
    Actor(format!("user:{}", user.email))
}

/// How an actor reads on a page: the e-mail of a console user, "API key plx_…" for a key.
pub fn actor_label(actor: &str) -> String {
    if let Some(email) = actor.strip_prefix("user:") {
        email.to_owned()
    } else if let Some(prefix) = actor.strip_prefix("key:") {
        format!("API key {prefix}…")
    } else {
        actor.to_owned()
    }
}

/// The op a form names, with the model's own rule message when a value breaks a rule
/// ("tag is 57 characters; the limit is 50"). Surrounding spaces of a tag or key are dropped
/// (they are never meant in a text box); a metadata value is kept exactly as typed.
pub fn form_op(op: &str, key: &str, value: &str) -> Result<AnnotationOp, String> {
    let key = key.trim();
    let tag = || Tag::parse(key).map_err(|e| e.to_string());
    let mkey = || MetadataKey::parse(key).map_err(|e| e.to_string());
    Ok(match op {
        "add_tag" => AnnotationOp::AddTag(tag()?),
        "remove_tag" => AnnotationOp::RemoveTag(tag()?),
        "set_metadata" => AnnotationOp::SetMetadata(
            mkey()?,
            MetadataValue::parse(value).map_err(|e| e.to_string())?,
        ),
        "unset_metadata" => AnnotationOp::UnsetMetadata(mkey()?),
        "" => return Err("choose what to do (add tag, remove tag, set metadata)".into()),
        other => return Err(format!("unknown operation {other:?}")),
    })
}

/// The fields of a urlencoded form, in order (fields may repeat, like the checked rows).
pub type Fields = Vec<(String, String)>;

pub fn parse_fields(raw: &[u8]) -> Fields {
    serde_urlencoded::from_bytes(raw).unwrap_or_default()
}

/// The first value of field `name`, or "".
pub fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Every value of field `name`.
pub fn fields_named<'a>(fields: &'a Fields, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    fields
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// How the ops read in a sentence: `add tag label_mismatch, set metadata k = v`.
pub fn describe_op(op: &AnnotationOp) -> String {
    match op {
        AnnotationOp::AddTag(t) => format!("add tag {}", t.as_str()),
        AnnotationOp::RemoveTag(t) => format!("remove tag {}", t.as_str()),
        AnnotationOp::SetMetadata(k, v) => format!("set metadata {} = {}", k.as_str(), v.as_str()),
        AnnotationOp::UnsetMetadata(k) => format!("unset metadata {}", k.as_str()),
    }
}

/// The same for ops stored as JSON with a job (`[{"op", "key", "value"}]`).
pub fn describe_ops_json(ops: &serde_json::Value) -> String {
    match ops.as_array() {
        Some(items) => items
            .iter()
            .map(|o| {
                let key = o["key"].as_str().unwrap_or("");
                match (o["op"].as_str().unwrap_or(""), o["value"].as_str()) {
                    ("set_metadata", Some(v)) => format!("set metadata {key} = {v}"),
                    (op, _) => format!("{} {key}", op.replace('_', " ")),
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        None if ops.get("undo").is_some() => "undo of a job".into(),
        None => String::new(),
    }
}

/// Tags offered in tag inputs: the registry's first (the agreed vocabulary), then the tags in
/// use, most used first.
pub fn tag_datalist(registry: &[TagInfo], used: &[(String, u64)]) -> Markup {
    html! {
        datalist #tag-suggestions {
            @for t in registry { option value=(t.tag) { @if let Some(d) = &t.description { (d) } } }
            @for (t, n) in used.iter().filter(|(t, _)| !registry.iter().any(|r| &r.tag == t)).take(200) {
                option value=(t) { (n) " records" }
            }
        }
    }
}

/// Metadata keys offered in key inputs, most used first.
pub fn key_datalist(keys: &[MetadataKeyStats]) -> Markup {
    html! {
        datalist #key-suggestions {
            @for k in keys.iter().take(200) { option value=(k.key) {} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_ops_carry_the_model_rule_message() {
        assert_eq!(
            form_op("add_tag", " reviewed ", "").unwrap(),
            AnnotationOp::AddTag(Tag::parse("reviewed").unwrap())
        );
        assert_eq!(
            form_op("add_tag", &"x".repeat(57), "").unwrap_err(),
            "tag is 57 characters; the limit is 50"
        );
        assert!(form_op("set_metadata", "k", &"v".repeat(300))
            .unwrap_err()
            .contains("the limit is 256"));
        let set = form_op("set_metadata", "note", " kept as typed ").unwrap();
        assert_eq!(set.value(), Some(" kept as typed "));
        assert!(form_op("", "k", "").is_err());
        assert!(form_op("drop_table", "k", "")
            .unwrap_err()
            .contains("unknown operation"));
    }

    #[test]
    fn actors_and_ops_read_naturally() {
        assert_eq!(actor_label("user:ana@example.com"), "ana@example.com");
        assert_eq!(actor_label("key:plx_1a2b"), "API key plx_1a2b…");
        let ops = serde_json::json!([{"op": "add_tag", "key": "reviewed"}, {"op": "set_metadata", "key": "k", "value": "v"}]);
        assert_eq!(
            describe_ops_json(&ops),
            "add tag reviewed, set metadata k = v"
        );
        assert_eq!(
            describe_ops_json(&serde_json::json!({"undo": "x"})),
            "undo of a job"
        );
    }

    #[test]
    fn fields_keep_order_and_repeats() {
        let f = parse_fields(b"id=a&csrf=t&id=b");
        assert_eq!(field(&f, "csrf"), "t");
        assert_eq!(fields_named(&f, "id").collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!(field(&f, "missing"), "");
    }
}
