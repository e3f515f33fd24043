//! Metadata: a string → string dictionary that travels with a trace or span.
//!
//! The seed: "Keys and values are strings ≤ 256 chars". Keys are non-empty (an empty column name
//! cannot be shown, filtered or grouped); values may be empty, since `""` is a value a user can log
//! and filter on.

use std::fmt;

/// The most characters (Unicode scalar values) a metadata key or value may have.
pub const MAX_METADATA_CHARS: usize = 256;

/// Why a string is not a valid metadata key or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("metadata key is empty")]
    EmptyKey,
    #[error("metadata key is {chars} characters; the limit is {MAX_METADATA_CHARS}")]
    KeyTooLong { chars: usize },
    #[error("metadata value is {chars} characters; the limit is {MAX_METADATA_CHARS}")]
    ValueTooLong { chars: usize },
}

/// A metadata key: non-empty, at most 256 characters, case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetadataKey(String);

/// A metadata value: any string of at most 256 characters, kept exactly as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetadataValue(String);

impl MetadataKey {
    pub fn parse(raw: &str) -> Result<MetadataKey, MetadataError> {
        if raw.is_empty() {
            return Err(MetadataError::EmptyKey);
        }
        let chars = raw.chars().count();
        if chars > MAX_METADATA_CHARS {
            return Err(MetadataError::KeyTooLong { chars });
        }
        Ok(MetadataKey(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl MetadataValue {
    pub fn parse(raw: &str) -> Result<MetadataValue, MetadataError> {
        let chars = raw.chars().count();
        if chars > MAX_METADATA_CHARS {
            return Err(MetadataError::ValueTooLong { chars });
        }
        Ok(MetadataValue(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MetadataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for MetadataValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The metadata of one record, in the order the keys were first sent. Keys are unique.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata(Vec<(MetadataKey, MetadataValue)>);

impl Metadata {
    pub fn new() -> Metadata {
        Metadata(Vec::new())
    }

    /// Sets `key` to `value`, replacing an earlier value of the same key in place.
    pub fn insert(&mut self, key: MetadataKey, value: MetadataValue) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<MetadataValue> {
        let at = self.0.iter().position(|(k, _)| k.as_str() == key)?;
        Some(self.0.remove(at).1)
    }

    pub fn get(&self, key: &str) -> Option<&MetadataValue> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&MetadataKey, &MetadataValue)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The metadata as a JSON object, keys in their original order.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.0.clone(), serde_json::Value::String(v.0.clone())))
                .collect(),
        )
    }
}

impl serde::Serialize for Metadata {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(&k.0, &v.0)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn key_accepted_exactly_when_rule_holds(raw in "\\PC{0,300}") {
            let n = raw.chars().count();
            prop_assert_eq!(MetadataKey::parse(&raw).is_ok(), (1..=MAX_METADATA_CHARS).contains(&n));
        }

        #[test]
        fn value_accepted_exactly_when_rule_holds(raw in "\\PC{0,300}") {
            let n = raw.chars().count();
            let parsed = MetadataValue::parse(&raw);
            prop_assert_eq!(parsed.is_ok(), n <= MAX_METADATA_CHARS);
            if let Ok(v) = parsed { prop_assert_eq!(v.as_str(), raw.as_str()); }
        }
    }

    #[test]
    fn insert_replaces_in_place() {
        let k = |s| MetadataKey::parse(s).unwrap();
        let v = |s| MetadataValue::parse(s).unwrap();
        let mut m = Metadata::new();
        m.insert(k("a"), v("1"));
        m.insert(k("b"), v("2"));
        m.insert(k("a"), v("3"));
        assert_eq!(m.to_json().to_string(), r#"{"a":"3","b":"2"}"#);
    }
}
