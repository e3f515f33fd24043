//! Validation of a record's tags and metadata against the seed's rules.
//!
//! Every violation is reported, not just the first, each with the JSON path of the offending
//! value and a plain sentence (PRODUCT.md: `traces[0].spans[1].tags[3]: tag is 57 characters;
//! the limit is 50`), so a quarantined record can be fixed in one go.

use crate::{Limits, Metadata, MetadataKey, MetadataValue, Tag};
use serde_json::Value;
use std::fmt;

/// One broken rule: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    pub path: String,
    pub message: String,
}

impl Violation {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The validated tags and metadata of one record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Annotations {
    pub tags: Vec<Tag>,
    pub metadata: Metadata,
}

/// Validates raw JSON `tags` (an array of strings) and `metadata` (an object of strings) found at
/// `path`. Absent or `null` means none. Duplicate tags collapse to one, keeping the order of first
/// appearance; the count limit applies to distinct tags.
pub fn validate_annotations(
    path: &str,
    tags: Option<&Value>,
    metadata: Option<&Value>,
    metadata_field: &str,
    limits: &Limits,
) -> Result<Annotations, Vec<Violation>> {
    let mut violations = Vec::new();
    let tags = validate_tags(path, tags, limits, &mut violations);
    let metadata = validate_metadata(path, metadata, metadata_field, limits, &mut violations);
    if violations.is_empty() {
        Ok(Annotations { tags, metadata })
    } else {
        Err(violations)
    }
}

fn validate_tags(
    path: &str,
    raw: Option<&Value>,
    limits: &Limits,
    violations: &mut Vec<Violation>,
) -> Vec<Tag> {
    let items = match raw {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            violations.push(Violation::new(
                format!("{path}.tags"),
                format!("tags must be an array of strings, found {}", kind(other)),
            ));
            return Vec::new();
        }
    };
    let mut tags: Vec<Tag> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        // Built only for a violation: this runs for every tag of every ingested record.
        let at = || format!("{path}.tags[{i}]");
        let Value::String(s) = item else {
            violations.push(Violation::new(
                at(),
                format!("tag must be a string, found {}", kind(item)),
            ));
            continue;
        };
        match Tag::parse(s) {
            Ok(tag) if tags.contains(&tag) => {}
            Ok(tag) => tags.push(tag),
            Err(e) => violations.push(Violation::new(at(), e.to_string())),
        }
    }
    if tags.len() > limits.max_tags {
        violations.push(Violation::new(
            format!("{path}.tags"),
            format!(
                "record has {} distinct tags; the limit is {}",
                tags.len(),
                limits.max_tags
            ),
        ));
    }
    tags
}

fn validate_metadata(
    path: &str,
    raw: Option<&Value>,
    field: &str,
    limits: &Limits,
    violations: &mut Vec<Violation>,
) -> Metadata {
    let mut metadata = Metadata::new();
    let entries = match raw {
        None | Some(Value::Null) => return metadata,
        Some(Value::Object(entries)) => entries,
        Some(other) => {
            violations.push(Violation::new(
                format!("{path}.{field}"),
                format!(
                    "metadata must be an object of string values, found {}",
                    kind(other)
                ),
            ));
            return metadata;
        }
    };
    for (k, v) in entries {
        // Built only for a violation: this runs for every entry of every ingested record.
        let at = || format!("{path}.{field}{}", json_path_key(k));
        let key =
            MetadataKey::parse(k).map_err(|e| violations.push(Violation::new(at(), e.to_string())));
        let value = match v {
            Value::String(s) => MetadataValue::parse(s)
                .map_err(|e| violations.push(Violation::new(at(), e.to_string()))),
            other => {
                violations.push(Violation::new(
                    at(),
                    format!("metadata value must be a string, found {}", kind(other)),
                ));
                Err(())
            }
        };
        if let (Ok(key), Ok(value)) = (key, value) {
            metadata.insert(key, value);
        }
    }
    if entries.len() > limits.max_metadata_keys {
        violations.push(Violation::new(
            format!("{path}.{field}"),
            format!(
                "record has {} metadata keys; the limit is {}",
                entries.len(),
                limits.max_metadata_keys
            ),
        ));
    }
    metadata
}

/// Renders an object key as a path segment: bare when it is an identifier, quoted otherwise.
fn json_path_key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!(".{k}")
    } else {
        format!("[{}]", Value::String(k.to_owned()))
    }
}

/// The JSON type of a value, as a noun for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn check(tags: Value, meta: Value) -> Result<Annotations, Vec<String>> {
        validate_annotations(
            "traces[0]",
            Some(&tags),
            Some(&meta),
            "user_metadata",
            &Limits::default(),
        )
        .map_err(|vs| vs.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn seed_snippet_is_valid() {
        let a = check(
            json!(["newton", "test", "new-version"]),
            json!({"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"}),
        )
        .unwrap();
        assert_eq!(a.tags.len(), 3);
        assert_eq!(a.metadata.get("field").unwrap().as_str(), "physics");
    }

    #[test]
    fn every_violation_is_listed_with_its_path() {
        let long = "x".repeat(57);
        let errs = check(
            json!(["ok", "", long, 7]),
            json!({"n": 1, "": "v", "long value": "y".repeat(300)}),
        )
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                "traces[0].tags[1]: tag is empty",
                "traces[0].tags[2]: tag is 57 characters; the limit is 50",
                "traces[0].tags[3]: tag must be a string, found a number",
                "traces[0].user_metadata.n: metadata value must be a string, found a number",
                "traces[0].user_metadata[\"\"]: metadata key is empty",
                "traces[0].user_metadata[\"long value\"]: metadata value is 300 characters; the limit is 256",
            ]
        );
    }

    #[test]
    fn duplicates_collapse_in_first_order() {
        let a = check(json!(["b", "a", "b", "A"]), json!({})).unwrap();
        let tags: Vec<_> = a.tags.iter().map(Tag::as_str).collect();
        assert_eq!(tags, ["b", "a", "A"]);
    }

    #[test]
    fn count_limits_are_configurable() {
        let limits = Limits {
            max_tags: 2,
            max_metadata_keys: 1,
        };
        let errs = validate_annotations(
            "t",
            Some(&json!(["a", "b", "c", "a"])),
            Some(&json!({"x": "1", "y": "2"})),
            "metadata",
            &limits,
        )
        .unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "t.tags: record has 3 distinct tags; the limit is 2"
        );
        assert_eq!(
            errs[1].to_string(),
            "t.metadata: record has 2 metadata keys; the limit is 1"
        );
    }

    proptest! {
        #[test]
        fn valid_exactly_when_every_rule_holds(
            tags in proptest::collection::vec("\\PC{0,60}", 0..60),
            meta in proptest::collection::btree_map("\\PC{0,8}", "\\PC{0,300}", 0..70),
        ) {
            let limits = Limits::default();
            let mut distinct: Vec<&String> = Vec::new();
            for t in &tags { if !distinct.contains(&t) { distinct.push(t); } }
            let tags_ok = tags.iter().all(|t| { let n = t.chars().count(); (1..=50).contains(&n) })
                && distinct.len() <= limits.max_tags;
            let meta_ok = meta.iter().all(|(k, v)| !k.is_empty() && v.chars().count() <= 256)
                && meta.len() <= limits.max_metadata_keys;
            let meta_json: serde_json::Map<String, Value> =
                meta.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            let r = validate_annotations("r", Some(&json!(tags)), Some(&Value::Object(meta_json)), "metadata", &limits);
            prop_assert_eq!(r.is_ok(), tags_ok && meta_ok);
            if let Ok(a) = r {
                prop_assert_eq!(a.tags.len(), distinct.len());
                prop_assert_eq!(a.metadata.len(), meta.len());
            }
        }
    }
}
