//! Tags: short flat labels assigned to a trace or span.
//!
//! The seed: "Case-sensitive strings ≤ 50 chars each". A tag is also non-empty, since an empty
//! label cannot be filtered on or shown as a chip.

use std::fmt;

/// The most characters (Unicode scalar values) a tag may have.
pub const MAX_TAG_CHARS: usize = 50;

/// A tag as the seed defines it: non-empty, case-sensitive, at most 50 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// Why a string is not a valid tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("tag is empty")]
    Empty,
    #[error("tag is {chars} characters; the limit is {MAX_TAG_CHARS}")]
    TooLong { chars: usize },
}

impl Tag {
    /// Accepts the string exactly as given: no trimming and no case folding, because
    /// `Physics` and `physics` are different tags.
    pub fn parse(raw: &str) -> Result<Tag, TagError> {
        if raw.is_empty() {
            return Err(TagError::Empty);
        }
        let chars = raw.chars().count();
        if chars > MAX_TAG_CHARS {
            return Err(TagError::TooLong { chars });
        }
        Ok(Tag(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Tag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for Tag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn accepted_exactly_when_non_empty_and_short(raw in "\\PC{0,70}") {
            let n = raw.chars().count();
            match Tag::parse(&raw) {
                Ok(tag) => {
                    prop_assert!((1..=MAX_TAG_CHARS).contains(&n));
                    prop_assert_eq!(tag.as_str(), raw.as_str());
                }
                Err(TagError::Empty) => prop_assert_eq!(n, 0),
                Err(TagError::TooLong { chars }) => {
                    prop_assert_eq!(chars, n);
                    prop_assert!(n > MAX_TAG_CHARS);
                }
            }
        }
    }

    #[test]
    fn case_is_kept() {
        assert_ne!(
            Tag::parse("Physics").unwrap(),
            Tag::parse("physics").unwrap()
        );
    }

    #[test]
    fn multibyte_characters_count_once() {
        assert!(Tag::parse(&"é".repeat(50)).is_ok());
        assert_eq!(
            Tag::parse(&"é".repeat(51)).unwrap_err().to_string(),
            "tag is 51 characters; the limit is 50"
        );
    }
}
