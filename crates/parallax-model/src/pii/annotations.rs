//! The PII guard applied to a record's tags and metadata, keys included.
//!
//! Paths follow [`crate::validate_annotations`]: `traces[0].tags[2]`,
//! `traces[0].user_metadata.user_email`, `traces[0].user_metadata["user email"]`. A path never
//! repeats what was found: when a metadata key itself contains PII, the key appears in the path
//! redacted (`traces[0].user_metadata["[redacted:email]"]`, with `in_key` set), because paths end
//! up in warnings, quarantine reasons and logs, which must not leak the value they warn about.

use super::{redact, scan, PiiFinding, PiiKind};
use crate::metadata::MAX_METADATA_CHARS;
use crate::tag::MAX_TAG_CHARS;
use crate::{Metadata, MetadataKey, MetadataValue, Tag};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

/// One finding in a record's annotations: where, what, and whether it is in a metadata key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PiiHit {
    pub path: String,
    pub kind: PiiKind,
    pub in_key: bool,
}

impl PiiHit {
    /// The finding as a phrase for a warning or quarantine reason, without the path:
    /// "key contains an e-mail address", "value contains a phone number" (a tag is a value).
    pub fn message(&self) -> String {
        let place = if self.in_key { "key" } else { "value" };
        format!("{place} contains {}", self.kind.describe())
    }
}

impl fmt::Display for PiiHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message())
    }
}

/// Every finding in `tags` and `metadata` of the record at `path`, tags first, then metadata in
/// key order with a key's findings before its value's. `metadata_field` is the name the surface
/// uses for the metadata object (`user_metadata` on the Galileo routes).
///
/// Runs for every ingested record, and nearly every string is clean: paths are only built for a
/// string with findings, and strings already found clean skip the scan ([`scan_cached`]).
pub fn scan_annotations(
    path: &str,
    tags: &[Tag],
    metadata: &Metadata,
    metadata_field: &str,
) -> Vec<PiiHit> {
    let mut hits = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let findings = scan_cached(tag.as_str());
        if !findings.is_empty() {
            push_hits(&mut hits, &format!("{path}.tags[{i}]"), &findings, false);
        }
    }
    for (key, value) in metadata.iter() {
        let key_findings = scan_cached(key.as_str());
        let value_findings = scan_cached(value.as_str());
        if key_findings.is_empty() && value_findings.is_empty() {
            continue;
        }
        let at = metadata_path(path, metadata_field, key.as_str(), &key_findings);
        push_hits(&mut hits, &at, &key_findings, true);
        push_hits(&mut hits, &at, &value_findings, false);
    }
    hits
}

/// The most strings [`scan_cached`] remembers per thread; the set is emptied when it is full.
const CLEAN_CACHE_ENTRIES: usize = 4096;
/// Longer strings are scanned every time: they are rarely repeated, and this bounds the cache at
/// about 1 MiB per thread.
const CLEAN_CACHE_MAX_BYTES: usize = 256;

thread_local! {
    /// Strings this thread recently found clean. Tags and metadata keys repeat on nearly every
    /// record (a project uses a few dozen of each), and many values repeat too, so most scans
    /// would redo work already done.
    static CLEAN: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// [`scan`], skipped for a string this thread recently found clean. The cache cannot change a
/// result: `scan` depends on nothing but the text, only strings with no findings are kept, and
/// they are kept whole (no hash stands in for them), so a hit is exactly a string `scan` returned
/// nothing for.
fn scan_cached(text: &str) -> Vec<PiiFinding> {
    let cacheable = text.len() <= CLEAN_CACHE_MAX_BYTES;
    if cacheable && CLEAN.with_borrow(|clean| clean.contains(text)) {
        return Vec::new();
    }
    let findings = scan(text);
    if cacheable && findings.is_empty() {
        CLEAN.with_borrow_mut(|clean| {
            if clean.len() >= CLEAN_CACHE_ENTRIES {
                clean.clear();
            }
            clean.insert(text.to_owned());
        });
    }
    findings
}

/// Redacts `tags` and `metadata` in place, keys included, and returns what was redacted: the
/// same hits [`scan_annotations`] reports for the record as it was.
///
/// Each finding becomes its marker (`[redacted:email]`). Where markers would make a string
/// longer than the seed allows (50 characters for a tag, 256 for a metadata key or value), the
/// whole string becomes the marker of its first finding. Tags that become equal collapse to the
/// first, as at validation; metadata keys that become equal keep every value, the later keys
/// numbered (`[redacted:email]_2`), so nothing the client sent is silently overwritten.
pub fn redact_annotations(
    path: &str,
    tags: &mut Vec<Tag>,
    metadata: &mut Metadata,
    metadata_field: &str,
) -> Vec<PiiHit> {
    let hits = scan_annotations(path, tags, metadata, metadata_field);
    if hits.is_empty() {
        return hits;
    }
    let mut redacted_tags: Vec<Tag> = Vec::with_capacity(tags.len());
    for tag in tags.drain(..) {
        let tag = match redact_within(tag.as_str(), MAX_TAG_CHARS) {
            Some(r) => Tag::parse(&r).expect("a redacted tag is non-empty and within the limit"),
            None => tag,
        };
        if !redacted_tags.contains(&tag) {
            redacted_tags.push(tag);
        }
    }
    *tags = redacted_tags;

    let mut redacted = Metadata::new();
    for (key, value) in metadata.iter() {
        let key = redact_within(key.as_str(), MAX_METADATA_CHARS)
            .unwrap_or_else(|| key.as_str().to_owned());
        let value = match redact_within(value.as_str(), MAX_METADATA_CHARS) {
            Some(r) => MetadataValue::parse(&r).expect("a redacted value is within the limit"),
            None => value.clone(),
        };
        redacted.insert(free_key(&redacted, key), value);
    }
    *metadata = redacted;
    hits
}

fn push_hits(hits: &mut Vec<PiiHit>, path: &str, findings: &[PiiFinding], in_key: bool) {
    hits.extend(findings.iter().map(|f| PiiHit {
        path: path.to_owned(),
        kind: f.kind,
        in_key,
    }));
}

/// The path of a metadata entry, with its key redacted when the key holds PII.
fn metadata_path(path: &str, field: &str, key: &str, key_findings: &[PiiFinding]) -> String {
    if key_findings.is_empty() {
        format!("{path}.{field}{}", json_path_key(key))
    } else {
        format!(
            "{path}.{field}{}",
            json_path_key(&redact(key, key_findings))
        )
    }
}

/// Renders an object key as a path segment: bare when it is an identifier, quoted otherwise.
/// The same rule as `validate.rs`, repeated here so both modules can change independently
/// until one of them owns path rendering.
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

/// `text` redacted, or `None` when it holds nothing to redact. The result has at most `limit`
/// characters: when the markers would not fit, it is the first finding's marker alone.
fn redact_within(text: &str, limit: usize) -> Option<String> {
    let findings = scan(text);
    let first = findings.first()?;
    let r = redact(text, &findings);
    Some(if r.chars().count() <= limit {
        r
    } else {
        first.kind.marker()
    })
}

/// `key` as a [`MetadataKey`], numbered (`_2`, `_3`, …) when `metadata` already has it.
fn free_key(metadata: &Metadata, key: String) -> MetadataKey {
    let parse =
        |k: &str| MetadataKey::parse(k).expect("a redacted key is non-empty and within the limit");
    if metadata.get(&key).is_none() {
        return parse(&key);
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            // A key at the length limit loses characters at its end to make room.
            let keep = MAX_METADATA_CHARS.saturating_sub(suffix.len());
            let base: String = key.chars().take(keep).collect();
            base + &suffix
        })
        .find(|k| metadata.get(k).is_none() && scan(k).is_empty())
        .map(|k| parse(&k))
        .expect("some numbered key is free")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tags(raw: &[&str]) -> Vec<Tag> {
        raw.iter().map(|t| Tag::parse(t).unwrap()).collect()
    }

    fn metadata(raw: &[(&str, &str)]) -> Metadata {
        let mut m = Metadata::new();
        for (k, v) in raw {
            m.insert(
                MetadataKey::parse(k).unwrap(),
                MetadataValue::parse(v).unwrap(),
            );
        }
        m
    }

    fn lines(hits: &[PiiHit]) -> Vec<String> {
        hits.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_seed_record_is_clean() {
        let t = tags(&["newton", "test", "new-version"]);
        let m = metadata(&[
            ("experimentNumber", "1"),
            ("promptVersion", "0.0.1"),
            ("field", "physics"),
        ]);
        assert_eq!(scan_annotations("traces[0]", &t, &m, "user_metadata"), []);
        let (mut t2, mut m2) = (t.clone(), m.clone());
        assert_eq!(
            redact_annotations("traces[0]", &mut t2, &mut m2, "user_metadata"),
            []
        );
        assert_eq!((t2, m2), (t, m));
    }

    #[test]
    fn hits_name_tags_values_and_keys_without_repeating_them() {
        let t = tags(&["newton", "vip:ana@example.org"]);
        let m = metadata(&[
            ("user_email", "ana@example.org"),
            ("bob@example.com", "reviewer"),
            ("support line", "call 555-123-4567 or 555-987-6543"),
        ]);
        assert_eq!(
            lines(&scan_annotations("traces[0].spans[1]", &t, &m, "user_metadata")),
            [
                "traces[0].spans[1].tags[1]: value contains an e-mail address",
                "traces[0].spans[1].user_metadata.user_email: value contains an e-mail address",
                "traces[0].spans[1].user_metadata[\"[redacted:email]\"]: key contains an e-mail address",
                "traces[0].spans[1].user_metadata[\"support line\"]: value contains a phone number",
                "traces[0].spans[1].user_metadata[\"support line\"]: value contains a phone number",
            ]
        );
        let hit = &scan_annotations("t", &t, &m, "metadata")[2];
        assert!(hit.in_key);
        assert_eq!(hit.kind, PiiKind::Email);
    }

    #[test]
    fn redaction_rewrites_tags_keys_and_values() {
        let mut t = tags(&["newton", "vip:ana@example.org", "vip:bob@example.org"]);
        let mut m = metadata(&[
            ("user_email", "ana@example.org"),
            ("bob@example.com", "reviewer"),
            ("eve@example.com", "author"),
            ("field", "physics"),
        ]);
        let hits = redact_annotations("t", &mut t, &mut m, "metadata");
        assert_eq!(hits.len(), 5);
        let tag_strs: Vec<&str> = t.iter().map(Tag::as_str).collect();
        assert_eq!(tag_strs, ["newton", "vip:[redacted:email]"]);
        assert_eq!(
            m.to_json().to_string(),
            r#"{"user_email":"[redacted:email]","[redacted:email]":"reviewer","[redacted:email]_2":"author","field":"physics"}"#
        );
        assert_eq!(scan_annotations("t", &t, &m, "metadata"), []);
    }

    #[test]
    fn redaction_that_would_overflow_a_limit_replaces_the_whole_string() {
        let crowded = "a@b.co c@d.co e@f.co g@h.co i@j.co k@l.co m@n.co";
        assert!(crowded.chars().count() <= MAX_TAG_CHARS);
        let mut t = tags(&[crowded]);
        let mut m = Metadata::new();
        redact_annotations("t", &mut t, &mut m, "metadata");
        assert_eq!(t[0].as_str(), "[redacted:email]");
    }

    /// Empties this thread's clean-string cache, so a test can start cold.
    fn forget_clean() {
        CLEAN.with_borrow_mut(HashSet::clear);
    }

    fn cached_clean(s: &str) -> bool {
        CLEAN.with_borrow(|clean| clean.contains(s))
    }

    /// `scan_annotations` as it was before the cache: every string scanned, every path built.
    fn uncached_scan_annotations(
        path: &str,
        tags: &[Tag],
        metadata: &Metadata,
        field: &str,
    ) -> Vec<PiiHit> {
        let mut hits = Vec::new();
        for (i, tag) in tags.iter().enumerate() {
            push_hits(
                &mut hits,
                &format!("{path}.tags[{i}]"),
                &scan(tag.as_str()),
                false,
            );
        }
        for (key, value) in metadata.iter() {
            let key_findings = scan(key.as_str());
            let at = metadata_path(path, field, key.as_str(), &key_findings);
            push_hits(&mut hits, &at, &key_findings, true);
            push_hits(&mut hits, &at, &scan(value.as_str()), false);
        }
        hits
    }

    #[test]
    fn the_clean_cache_never_hides_a_finding() {
        forget_clean();
        let clean_tags = tags(&["newton", "test"]);
        let clean_meta = metadata(&[("field", "physics"), ("user_id", "user-0042")]);
        assert_eq!(
            scan_annotations("t", &clean_tags, &clean_meta, "metadata"),
            []
        );
        for s in ["newton", "test", "field", "physics", "user_id", "user-0042"] {
            assert!(cached_clean(s), "{s} is cached");
        }

        // Cached clean strings next to strings with PII, as a key, a value and a tag.
        let t = tags(&["newton", "vip:ana@example.org", "test"]);
        let m = metadata(&[
            ("field", "physics"),
            ("bob@example.com", "user-0042"),
            ("user_id", "call 555-123-4567"),
        ]);
        let warm = scan_annotations("t", &t, &m, "metadata");
        assert_eq!(
            lines(&warm),
            [
                "t.tags[1]: value contains an e-mail address",
                "t.metadata[\"[redacted:email]\"]: key contains an e-mail address",
                "t.metadata.user_id: value contains a phone number",
            ]
        );
        assert_eq!(warm, uncached_scan_annotations("t", &t, &m, "metadata"));
        for s in [
            "vip:ana@example.org",
            "bob@example.com",
            "call 555-123-4567",
        ] {
            assert!(!cached_clean(s), "{s} is not cached");
        }
        // Twice warm, and cold again: the same hits.
        assert_eq!(scan_annotations("t", &t, &m, "metadata"), warm);
        forget_clean();
        assert_eq!(scan_annotations("t", &t, &m, "metadata"), warm);

        // A full cache starts over, and long strings are never kept.
        for i in 0..CLEAN_CACHE_ENTRIES + 10 {
            assert_eq!(scan_cached(&format!("clean-{i}")), []);
        }
        assert!(CLEAN.with_borrow(HashSet::len) <= CLEAN_CACHE_ENTRIES);
        let long = "x".repeat(CLEAN_CACHE_MAX_BYTES + 1);
        assert_eq!(scan_cached(&long), []);
        assert!(!cached_clean(&long));
        assert_eq!(scan_annotations("t", &t, &m, "metadata"), warm);
    }

    proptest! {
        #[test]
        fn cached_scans_match_uncached_ones(
            raw_tags in proptest::collection::vec("([a-z]{1,3}|[0-9 @.+-]{1,8}|a@b\\.co|4111 1111 1111 1111){1,4}", 0..6),
            raw_meta in proptest::collection::vec(("([a-z]{1,3}|a@b\\.co|[0-9 -]{1,12}){1,3}", "([a-z]{1,3}|a@b\\.co|\\+44 20 7946 0958|[0-9 @.-]{1,12}){0,6}"), 0..6),
        ) {
            let t: Vec<Tag> = raw_tags.iter().filter_map(|r| Tag::parse(r).ok()).collect();
            let mut m = Metadata::new();
            for (k, v) in &raw_meta {
                if let (Ok(k), Ok(v)) = (MetadataKey::parse(k), MetadataValue::parse(v)) { m.insert(k, v); }
            }
            let expected = uncached_scan_annotations("r", &t, &m, "metadata");
            // The cache is warm from earlier cases; scanning twice warms it with this one too.
            prop_assert_eq!(&scan_annotations("r", &t, &m, "metadata"), &expected);
            prop_assert_eq!(&scan_annotations("r", &t, &m, "metadata"), &expected);
        }

        #[test]
        fn redacted_annotations_are_valid_and_clean(
            raw_tags in proptest::collection::vec("([a-z]{1,6}|[0-9 @.+-]{1,8}|a@b\\.co|4111 1111 1111 1111){1,6}", 0..8),
            raw_meta in proptest::collection::vec(("([a-z]{1,6}|a@b\\.co|[0-9 -]{1,12}){1,4}", "([a-z]{1,6}|a@b\\.co|\\+44 20 7946 0958|[0-9 @.-]{1,12}){0,30}"), 0..8),
        ) {
            let mut t: Vec<Tag> = Vec::new();
            for raw in raw_tags.iter().filter_map(|r| Tag::parse(r).ok()) {
                if !t.contains(&raw) { t.push(raw); }
            }
            let mut m = Metadata::new();
            for (k, v) in &raw_meta {
                if let (Ok(k), Ok(v)) = (MetadataKey::parse(k), MetadataValue::parse(v)) { m.insert(k, v); }
            }
            let before = scan_annotations("r", &t, &m, "metadata");
            let keys_before = m.len();
            let hits = redact_annotations("r", &mut t, &mut m, "metadata");
            prop_assert_eq!(&hits, &before);
            prop_assert_eq!(m.len(), keys_before);
            prop_assert_eq!(scan_annotations("r", &t, &m, "metadata"), vec![]);
            for tag in &t { prop_assert!(Tag::parse(tag.as_str()).is_ok()); }
            for (k, v) in m.iter() {
                prop_assert!(MetadataKey::parse(k.as_str()).is_ok() && MetadataValue::parse(v.as_str()).is_ok());
            }
        }
    }
}
