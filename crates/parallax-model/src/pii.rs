//! The PII guard: finds e-mail addresses, phone numbers, payment card numbers, API keys, tokens
//! and other secrets in the short strings that tags and metadata hold.
//!
//! The seed says "Never put PII or keys in either tags or metadata; they become queryable in the
//! UI", and PRODUCT.md makes Parallax enforce it at ingest and on annotation with a per-project
//! [`PiiPolicy`]. This module only detects and rewrites; deciding what a policy does with a record
//! (flag, redact, quarantine) belongs to the callers.
//!
//! Every detector is a hand-written scanner over `char`s with an explicit rule, documented in its
//! module together with the false positives it accepts and the ones it avoids: [`email`],
//! [`numbers`] (phone and card numbers), [`tokens`] (API keys, JWTs, high-entropy secrets). A
//! detector never looks more than a couple of characters beyond the string it matches, and no
//! detector matches a `[`, `]` or `:`, so a redaction marker like `[redacted:email]` can neither
//! be flagged itself nor glue its neighbours into a new finding.
//!
//! The detectors run in priority order (the most specific shape first: JWT, API key, e-mail,
//! card, phone, generic secret); a finding that overlaps one of higher priority is dropped. The
//! scan then repeats on the text with the findings masked out, as [`redact`] would leave it, until
//! nothing new appears. That is what makes "redacting what [`scan`] found leaves nothing to find"
//! hold: in `AKIAIOSFODNN7EXAMPL2-555-123-4567` the phone number continues a longer run of digits
//! and dashes in the first pass, but stands on its own once the key before it is gone.

mod annotations;
mod email;
mod numbers;
mod tokens;

pub use annotations::{redact_annotations, scan_annotations, PiiHit};

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// What a finding looks like.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Phone,
    CardNumber,
    ApiKey,
    Jwt,
    /// A long high-entropy string that is not a known key shape.
    Secret,
}

impl PiiKind {
    pub const ALL: [PiiKind; 6] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::CardNumber,
        PiiKind::ApiKey,
        PiiKind::Jwt,
        PiiKind::Secret,
    ];

    /// The stable name used in markers, API responses and stored flags.
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::CardNumber => "card_number",
            PiiKind::ApiKey => "api_key",
            PiiKind::Jwt => "jwt",
            PiiKind::Secret => "secret",
        }
    }

    /// The kind as a noun phrase for messages: "contains an e-mail address".
    pub fn describe(self) -> &'static str {
        match self {
            PiiKind::Email => "an e-mail address",
            PiiKind::Phone => "a phone number",
            PiiKind::CardNumber => "a payment card number",
            PiiKind::ApiKey => "an API key",
            PiiKind::Jwt => "a JSON web token",
            PiiKind::Secret => "a secret-looking high-entropy string",
        }
    }

    /// What [`redact`] puts in place of a finding of this kind, e.g. `[redacted:email]`. At most
    /// 22 characters, so a marker alone is always a valid tag and metadata key or value.
    pub fn marker(self) -> String {
        format!("[redacted:{}]", self.as_str())
    }
}

impl fmt::Display for PiiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One match: its kind and its byte range in the scanned text. `start..end` always lies on
/// `char` boundaries, so `&text[start..end]` is the matched string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiFinding {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// What to do with a record whose tags or metadata contain PII (PRODUCT.md, "The rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiPolicy {
    /// Store the record as sent and flag it, so the console can show the finding.
    #[default]
    Warn,
    /// Replace each finding with a marker and record that the record was redacted.
    Redact,
    /// Quarantine the record with the finding as the reason.
    Reject,
}

/// Why a string is not a PII policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown PII policy {0:?}; expected warn, redact or reject")]
pub struct PiiPolicyError(pub String);

impl PiiPolicy {
    /// Accepts exactly the lowercase names that [`PiiPolicy::as_str`] produces.
    pub fn parse(raw: &str) -> Result<PiiPolicy, PiiPolicyError> {
        match raw {
            "warn" => Ok(PiiPolicy::Warn),
            "redact" => Ok(PiiPolicy::Redact),
            "reject" => Ok(PiiPolicy::Reject),
            other => Err(PiiPolicyError(other.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PiiPolicy::Warn => "warn",
            PiiPolicy::Redact => "redact",
            PiiPolicy::Reject => "reject",
        }
    }
}

impl fmt::Display for PiiPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stands in for a masked finding between scan passes. It is not alphanumeric and belongs to no
/// detector's alphabet, which is exactly how `[` and `]` at the edges of a marker behave.
const MASK: char = '\u{FFFC}';

/// A detector: the char-index ranges it matches, left to right, not overlapping each other.
type Detector = fn(&[char]) -> Vec<Range<usize>>;

/// The detectors, most specific first; earlier ones win overlaps.
const DETECTORS: [(PiiKind, Detector); 6] = [
    (PiiKind::Jwt, tokens::jwts),
    (PiiKind::ApiKey, tokens::api_keys),
    (PiiKind::Email, email::emails),
    (PiiKind::CardNumber, numbers::cards),
    (PiiKind::Phone, numbers::phones),
    (PiiKind::Secret, tokens::secrets),
];

/// Every finding in `text`, in order of position and not overlapping.
pub fn scan(text: &str) -> Vec<PiiFinding> {
    let mut chars: Vec<char> = text.chars().collect();
    // Byte offset of every char, plus one past the end.
    let offsets: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    // Accepted findings by start char index: (end, kind).
    let mut accepted: BTreeMap<usize, (usize, PiiKind)> = BTreeMap::new();
    loop {
        let mut added = Vec::new();
        for (kind, detect) in DETECTORS {
            for r in detect(&chars) {
                if !overlaps(&accepted, &r) {
                    accepted.insert(r.start, (r.end, kind));
                    added.push(r);
                }
            }
        }
        if added.is_empty() {
            break;
        }
        for r in added {
            chars[r].fill(MASK);
        }
    }
    accepted
        .into_iter()
        .map(|(start, (end, kind))| PiiFinding {
            kind,
            start: offsets[start],
            end: offsets[end],
        })
        .collect()
}

/// Whether `r` shares a char with an accepted finding.
fn overlaps(accepted: &BTreeMap<usize, (usize, PiiKind)>, r: &Range<usize>) -> bool {
    let before = accepted.range(..=r.start).next_back();
    let after = accepted.range(r.start..r.end).next();
    before.is_some_and(|(_, (end, _))| *end > r.start) || after.is_some()
}

/// `text` with every finding replaced by its kind's marker (`[redacted:email]`).
///
/// Findings are taken in order of position; one that overlaps an earlier one, lies outside the
/// text or off a `char` boundary is skipped rather than trusted, so any slice is safe to pass.
pub fn redact(text: &str, findings: &[PiiFinding]) -> String {
    let mut sorted: Vec<&PiiFinding> = findings.iter().collect();
    sorted.sort_by_key(|f| (f.start, f.end));
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for f in sorted {
        let sound = cursor <= f.start
            && f.start < f.end
            && f.end <= text.len()
            && text.is_char_boundary(f.start)
            && text.is_char_boundary(f.end);
        if !sound {
            continue;
        }
        out.push_str(&text[cursor..f.start]);
        out.push_str(&f.kind.marker());
        cursor = f.end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The kinds and matched strings `scan` reports, for compact assertions.
    fn found(text: &str) -> Vec<(PiiKind, &str)> {
        scan(text)
            .iter()
            .map(|f| (f.kind, &text[f.start..f.end]))
            .collect()
    }

    #[test]
    fn the_seed_annotations_are_clean() {
        for s in [
            "newton",
            "test",
            "new-version",
            "experimentNumber",
            "1",
            "promptVersion",
            "0.0.1",
            "field",
            "physics",
        ] {
            assert_eq!(found(s), [], "{s}");
        }
    }

    #[test]
    fn everyday_metadata_is_clean() {
        let clean = [
            "550e8400-e29b-41d4-a716-446655440000",
            "2026-12-03",
            "2026-12-03T10:30:00Z",
            "2026-12-03 10:30:00.123456",
            "1.2.3",
            "v2.10.0-rc.1",
            "192.168.100.200",
            "1234567",
            "3.14159265358979",
            "gpt-4o-mini",
            "claude-3-5-sonnet-20241022",
            "anthropic/claude-3-5-sonnet-20241022-v2",
            "3f786850e387550fdab836ed7e6dc881de23001b",
            "9f86d081884c7d659a2fea0a08a822ee8d7b1b7a6b2c1ed1e8b6c4f5a5d2b3c1",
            "user@localhost",
            "label_mismatch",
            "VIP_customer",
            "https://example.com/docs/annotations?tab=tags",
            "key:plx_1a2b3c4d",
            "2024-12-03T10:30:00.000+05:30",
            "1.2.3+20130313144700",
            "978-3-16-148410-0",
            "$1,234,567.89",
            "51.5074, -0.1278",
            "1733212800",
            "00:01:23",
            "token_count=12345678",
            "newton, test, new-version",
        ];
        for s in clean {
            assert_eq!(found(s), [], "{s}");
        }
    }

    #[test]
    fn findings_of_several_kinds_in_one_text() {
        let text = "mail ana@example.org or call +44 20 7946 0958, card 4111 1111 1111 1111, \
                    key sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5";
        assert_eq!(
            found(text),
            [
                (PiiKind::Email, "ana@example.org"),
                (PiiKind::Phone, "+44 20 7946 0958"),
                (PiiKind::CardNumber, "4111 1111 1111 1111"),
                (
                    PiiKind::ApiKey,
                    "sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
                ),
            ]
        );
    }

    #[test]
    fn specific_kinds_win_over_generic_ones() {
        // The key body alone is also a high-entropy string; the API key rule names it better.
        let key = "sk-ant-api03-Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4Nm6";
        assert_eq!(found(key), [(PiiKind::ApiKey, key)]);
    }

    #[test]
    fn a_number_freed_by_masking_is_found_in_a_later_pass() {
        // `555` follows `-` after a digit, which normally means "inside a longer number"; once
        // the key before it is masked, it is a number of its own.
        assert_eq!(
            found("AKIAIOSFODNN7EXAMPL2-555-123-4567"),
            [
                (PiiKind::ApiKey, "AKIAIOSFODNN7EXAMPL2"),
                (PiiKind::Phone, "555-123-4567")
            ]
        );
    }

    #[test]
    fn offsets_are_bytes_around_multibyte_text() {
        let text = "é-mail: josé@exämple.com ✓";
        let f = scan(text);
        assert_eq!(f.len(), 1);
        assert_eq!(&text[f[0].start..f[0].end], "josé@exämple.com");
        assert_eq!(redact(text, &f), "é-mail: [redacted:email] ✓");
    }

    #[test]
    fn redact_replaces_each_finding_with_its_marker() {
        let text = "from a@b.co to c@d.io";
        assert_eq!(
            redact(text, &scan(text)),
            "from [redacted:email] to [redacted:email]"
        );
    }

    #[test]
    fn redact_skips_unsound_findings() {
        let f = |start, end| PiiFinding {
            kind: PiiKind::Email,
            start,
            end,
        };
        let text = "abcdé";
        assert_eq!(
            redact(text, &[f(1, 3), f(2, 4), f(9, 10), f(3, 3), f(4, 5)]),
            "a[redacted:email]dé"
        );
    }

    #[test]
    fn markers_fit_every_length_limit_and_are_clean() {
        for kind in PiiKind::ALL {
            let m = kind.marker();
            assert!(m.chars().count() <= 22, "{m}");
            assert!(crate::Tag::parse(&m).is_ok());
            assert_eq!(found(&m), [], "{m}");
        }
    }

    #[test]
    fn kinds_serialize_as_their_names() {
        for kind in PiiKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[test]
    fn policy_parses_its_three_names_and_nothing_else() {
        for p in [PiiPolicy::Warn, PiiPolicy::Redact, PiiPolicy::Reject] {
            assert_eq!(PiiPolicy::parse(p.as_str()), Ok(p));
        }
        assert_eq!(PiiPolicy::default(), PiiPolicy::Warn);
        assert_eq!(
            PiiPolicy::parse("Warn").unwrap_err().to_string(),
            "unknown PII policy \"Warn\"; expected warn, redact or reject"
        );
        assert!(PiiPolicy::parse("").is_err());
    }

    /// Strings built from the characters PII is made of, so the detectors' edges get exercised
    /// far more often than by arbitrary Unicode.
    fn piiish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[0-9]{1,5}",
            "[ .()+-]",
            "[a-zA-Z0-9]{1,12}",
            Just("@".to_owned()),
            Just(".com".to_owned()),
            Just("4111".to_owned()),
            Just("sk-".to_owned()),
            Just("eyJ".to_owned()),
            Just("AKIA".to_owned()),
            "[_/=:\\[\\]é]",
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    fn assert_well_formed(text: &str, findings: &[PiiFinding]) -> Result<(), TestCaseError> {
        let mut last_end = 0;
        for f in findings {
            prop_assert!(f.start < f.end && f.end <= text.len());
            prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            prop_assert!(
                f.start >= last_end,
                "overlap or out of order: {:?}",
                findings
            );
            last_end = f.end;
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn scan_is_well_formed_on_any_text(text in "\\PC{0,200}") {
            assert_well_formed(&text, &scan(&text))?;
        }

        #[test]
        fn scan_is_well_formed_on_pii_like_text(text in piiish()) {
            assert_well_formed(&text, &scan(&text))?;
        }

        #[test]
        fn redacted_text_has_nothing_left_to_find(text in piiish()) {
            let redacted = redact(&text, &scan(&text));
            let again = scan(&redacted);
            prop_assert!(again.is_empty(), "{:?} -> {:?}: {:?}", text, redacted, again);
        }

        #[test]
        fn redacted_unicode_has_nothing_left_to_find(text in "\\PC{0,120}") {
            prop_assert!(scan(&redact(&text, &scan(&text))).is_empty());
        }
    }
}
