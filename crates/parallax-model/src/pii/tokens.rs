//! API keys, JSON web tokens and other secrets: credential-shaped runs of ASCII letters, digits
//! and base64 punctuation.
//!
//! **API keys** start with a provider's prefix at the start of a word (not after a letter or
//! digit, so `task-…` holds no `sk-`), followed by enough key characters; see [`KEY_RULES`] for
//! the list (OpenAI `sk-`, `sk-proj-`; Anthropic `sk-ant-`; GitHub `ghp_`, `gho_`, `ghu_`,
//! `ghs_`, `ghr_`, `github_pat_`; Slack `xoxb-`, `xoxp-`, …; AWS `AKIA`/`ASIA` + exactly 16
//! uppercase letters and digits; Google `AIza` + exactly 35; GitLab `glpat-`; Hugging Face `hf_`;
//! Stripe `sk_live_`, `rk_live_`, `whsec_`; Parallax's own `plx_` + 32 or more; and others). A
//! key body mixes at least two of lowercase, uppercase and digits, which real keys always do and
//! words rarely do. Short generic prefixes (`sk-`, `npm_`, `r8_`, …) must also be followed by a
//! body that is not made of words and numbers, so `sk-learn-compatible-models-v2-2024` is not a
//! key. Parallax's key prefixes shown in listings (`plx_1a2b3c4d`) are too short to match.
//!
//! **JWTs** are three base64url segments joined by dots whose first two start with `eyJ` (the
//! encoding of `{"`), each of those at least 10 characters; the signature may be empty (an
//! unsecured token). A string of that shape is a JWT for all practical purposes.
//!
//! **Secrets** are what is left that looks random: a run of 32 or more of `A-Z a-z 0-9 + / _ -`
//! (plus trailing `=` padding) that
//! - contains letters and digits, and is not hex: a bare hex string (git SHA, SHA-256, UUID) is
//!   an experiment hash or id, which the seed names as proper metadata, so hex is never flagged
//!   here; the price is that hex-encoded secrets without a known prefix pass;
//! - has a Shannon entropy of at least 4.0 bits per character;
//! - is not mostly words and numbers: under half of it is in lowercase runs of three or more
//!   (optionally capitalised), runs of four or more digits, or hex parts (between `-_/+=`) of four
//!   or more; this keeps paths with UUIDs in them, model names and long camelCase identifiers out;
//! - is mostly mixed case: at least half of it is in parts that mix upper and lower case, which
//!   random base62/base64 does and single-case identifiers (ULIDs, `trace_01HZX…`, base32) do not.
//!
//! About 2 in 100 random 32-character keys fail one of these tests by chance (fewer when longer);
//! content hashes in base64 (`sha256-47DEQpj8HBSa+/TImW…`) are flagged although not secret.

use std::ops::Range;

fn is_url(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'
}

fn is_alnum(ch: char) -> bool {
    ch.is_ascii_alphanumeric()
}

fn is_upper_alnum(ch: char) -> bool {
    ch.is_ascii_uppercase() || ch.is_ascii_digit()
}

fn is_slack(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '-'
}

fn is_url_dot(ch: char) -> bool {
    is_url(ch) || ch == '.'
}

/// One provider's key shape: a prefix, then `min..=max` characters of `body`.
struct KeyRule {
    prefix: &'static str,
    body: fn(char) -> bool,
    min: usize,
    max: usize,
    /// The prefix is short or common enough that the body must also not read as words.
    generic: bool,
}

const fn rule(prefix: &'static str, body: fn(char) -> bool, min: usize) -> KeyRule {
    KeyRule {
        prefix,
        body,
        min,
        max: usize::MAX,
        generic: false,
    }
}

const fn exact(prefix: &'static str, body: fn(char) -> bool, len: usize) -> KeyRule {
    KeyRule {
        prefix,
        body,
        min: len,
        max: len,
        generic: false,
    }
}

const fn generic(prefix: &'static str, body: fn(char) -> bool, min: usize) -> KeyRule {
    KeyRule {
        prefix,
        body,
        min,
        max: usize::MAX,
        generic: true,
    }
}

/// Known key shapes. Where prefixes share a start, the longer one comes first.
const KEY_RULES: &[KeyRule] = &[
    // OpenAI, Anthropic, Langfuse, OpenRouter and others use `sk-`.
    rule("sk-ant-", is_url, 32),
    rule("sk-proj-", is_url, 32),
    rule("sk-lf-", is_url, 32),
    generic("sk-", is_url, 20),
    // Stripe.
    rule("sk_live_", is_alnum, 16),
    rule("sk_test_", is_alnum, 16),
    rule("rk_live_", is_alnum, 16),
    rule("rk_test_", is_alnum, 16),
    rule("whsec_", is_alnum, 24),
    // GitHub.
    rule("github_pat_", is_url, 30),
    rule("ghp_", is_alnum, 30),
    rule("gho_", is_alnum, 30),
    rule("ghu_", is_alnum, 30),
    rule("ghs_", is_alnum, 30),
    rule("ghr_", is_alnum, 30),
    // GitLab, Slack.
    rule("glpat-", is_url, 20),
    rule("xoxb-", is_slack, 20),
    rule("xoxp-", is_slack, 20),
    rule("xoxa-", is_slack, 20),
    rule("xoxr-", is_slack, 20),
    rule("xoxs-", is_slack, 20),
    rule("xoxe-", is_slack, 20),
    rule("xapp-", is_slack, 20),
    // AWS access key ids, Google API keys and OAuth access tokens.
    exact("AKIA", is_upper_alnum, 16),
    exact("ASIA", is_upper_alnum, 16),
    exact("AIza", is_url, 35),
    rule("ya29.", is_url, 20),
    // Model and package hubs, inference providers, tracing tools.
    rule("hf_", is_alnum, 30),
    rule("pypi-", is_url, 32),
    rule("lsv2_pt_", is_url, 32),
    rule("lsv2_sk_", is_url, 32),
    rule("SG.", is_url_dot, 60),
    exact("dapi", is_alnum, 32),
    generic("npm_", is_alnum, 30),
    generic("gsk_", is_alnum, 32),
    generic("r8_", is_alnum, 30),
    generic("xai-", is_alnum, 32),
    generic("pplx-", is_alnum, 32),
    // Parallax's own keys: `plx_` and 40 hex digits.
    rule("plx_", is_alnum, 32),
];

/// Every API key in `c`, as char ranges.
pub(super) fn api_keys(c: &[char]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        // Every prefix starts with an ASCII letter: test that before anything dearer.
        let first = c[i];
        let at_word_start = first.is_ascii_alphabetic() && (i == 0 || !c[i - 1].is_alphanumeric());
        let key = at_word_start.then(|| {
            KEY_RULES
                .iter()
                .filter(|r| char::from(r.prefix.as_bytes()[0]) == first)
                .find_map(|r| key_at(c, i, r))
        });
        match key.flatten() {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

fn key_at(c: &[char], s: usize, rule: &KeyRule) -> Option<usize> {
    // Prefixes are ASCII, so their length in bytes is their length in chars.
    let prefix = rule.prefix.as_bytes();
    let body_start = s + prefix.len();
    let prefix_matches = c.len() >= body_start
        && prefix
            .iter()
            .zip(&c[s..])
            .all(|(&b, &ch)| ch == char::from(b));
    if !prefix_matches {
        return None;
    }
    let mut end = body_start;
    while end < c.len() && (rule.body)(c[end]) {
        end += 1;
    }
    let body = &c[body_start..end];
    let classes = [
        body.iter().any(char::is_ascii_lowercase),
        body.iter().any(char::is_ascii_uppercase),
        body.iter().any(char::is_ascii_digit),
    ];
    let varied = classes.iter().filter(|&&b| b).count() >= 2;
    let random = !rule.generic
        || (body.iter().any(char::is_ascii_alphabetic)
            && body.iter().any(char::is_ascii_digit)
            && 2 * wordy_chars(body, false) < body.len());
    ((rule.min..=rule.max).contains(&body.len()) && varied && random).then_some(end)
}

/// Every JWT in `c`, as char ranges.
pub(super) fn jwts(c: &[char]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let at_start = i == 0 || !is_url(c[i - 1]);
        match at_start.then(|| jwt_at(c, i)).flatten() {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

fn jwt_at(c: &[char], s: usize) -> Option<usize> {
    let json_segment = |from: usize| -> Option<usize> {
        let starts = c.get(from..from + 3)? == ['e', 'y', 'J'];
        let end = url_run(c, from);
        (starts && end - from >= 10 && c.get(end) == Some(&'.')).then_some(end + 1)
    };
    let payload = json_segment(s)?;
    let signature = json_segment(payload)?;
    Some(url_run(c, signature))
}

fn url_run(c: &[char], mut i: usize) -> usize {
    while i < c.len() && is_url(c[i]) {
        i += 1;
    }
    i
}

fn is_secret_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '+' | '/' | '_' | '-')
}

/// Every high-entropy secret in `c`, as char ranges.
pub(super) fn secrets(c: &[char]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if !is_secret_char(c[i]) || (i > 0 && is_secret_char(c[i - 1])) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < c.len() && is_secret_char(c[end]) {
            end += 1;
        }
        let token = &c[i..end];
        // Trailing `=` is base64 padding unless the run goes on (`a=b` is an assignment).
        let mut padded = end;
        while c.get(padded) == Some(&'=') {
            padded += 1;
        }
        let glued = c.get(padded).is_some_and(|&n| is_secret_char(n));
        if looks_secret(token) && !glued {
            out.push(i..padded);
        }
        i = end.max(i + 1);
    }
    out
}

fn looks_secret(t: &[char]) -> bool {
    let letters = t.iter().any(char::is_ascii_alphabetic);
    let digits = t.iter().any(char::is_ascii_digit);
    let hex = t
        .iter()
        .all(|ch| ch.is_ascii_hexdigit() || !ch.is_ascii_alphanumeric());
    t.len() >= 32
        && letters
        && digits
        && !hex
        && entropy(t) >= 4.0
        && 2 * wordy_chars(t, true) < t.len()
        && 2 * mixed_case_chars(t) >= t.len()
}

/// Shannon entropy in bits per character.
fn entropy(t: &[char]) -> f64 {
    let mut counts = [0u32; 128];
    for &ch in t {
        counts[(ch as usize) & 127] += 1;
    }
    let n = t.len() as f64;
    counts
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| {
            let p = f64::from(k) / n;
            -p * p.log2()
        })
        .sum()
}

fn is_part_sep(ch: char) -> bool {
    matches!(ch, '-' | '_' | '/' | '+' | '=')
}

/// How many characters of `t` read as words or numbers: lowercase runs of three or more with an
/// optional leading capital, digit runs of four or more and, when `hex_parts`, hex parts of four
/// or more.
fn wordy_chars(t: &[char], hex_parts: bool) -> usize {
    let mut marked = vec![false; t.len()];
    let mut i = 0;
    while i < t.len() {
        let lower = t[i].is_ascii_lowercase();
        let digit = t[i].is_ascii_digit();
        let mut j = i;
        while j < t.len() && t[j].is_ascii_lowercase() == lower && t[j].is_ascii_digit() == digit {
            j += 1;
        }
        if lower && j - i >= 3 {
            let from = if i > 0 && t[i - 1].is_ascii_uppercase() {
                i - 1
            } else {
                i
            };
            marked[from..j].fill(true);
        } else if digit && j - i >= 4 {
            marked[i..j].fill(true);
        }
        i = j;
    }
    if hex_parts {
        for part in parts(t) {
            if part.len() >= 4 && t[part.clone()].iter().all(char::is_ascii_hexdigit) {
                marked[part].fill(true);
            }
        }
    }
    marked.iter().filter(|&&m| m).count()
}

/// How many characters of `t` are in parts (between `-_/+=`) that mix upper and lower case.
fn mixed_case_chars(t: &[char]) -> usize {
    parts(t)
        .filter(|p| {
            let part = &t[p.clone()];
            part.iter().any(char::is_ascii_lowercase) && part.iter().any(char::is_ascii_uppercase)
        })
        .map(|p| p.len())
        .sum()
}

/// The ranges of `t` between separators.
fn parts(t: &[char]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    (0..=t.len()).filter_map(move |i| {
        if i == t.len() || is_part_sep(t[i]) {
            let r = start..i;
            start = i + 1;
            (!r.is_empty()).then_some(r)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(detect: fn(&[char]) -> Vec<Range<usize>>, text: &str) -> Vec<String> {
        let c: Vec<char> = text.chars().collect();
        detect(&c)
            .into_iter()
            .map(|r| c[r].iter().collect())
            .collect()
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn provider_keys_are_found() {
        let keys = [
            "sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
            "sk-ant-api03-Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4Nm6-AAAA",
            "sk-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1f",
            "sk-lf-1d2e3f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "rk_live_51H8xYzAbCdEfGhIjKlMnOp",
            "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "xoxp-123456789012-123456789012-123456789012-abcdef0123456789abcdef0123456789",
            "AKIAIOSFODNN7EXAMPLE",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "glpat-xY7zAb3CdE5fGh9IjK1L",
            "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
            "plx_3f786850e387550fdab836ed7e6dc881de23001b",
            "npm_Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
            "dapi0123456789abcdef0123456789abcdef",
        ];
        for key in keys {
            assert_eq!(found(api_keys, key), [key], "{key}");
            let in_context = format!("OPENAI_API_KEY={key};");
            assert_eq!(found(api_keys, &in_context), [key], "{in_context}");
        }
    }

    #[test]
    fn key_prefixes_without_a_key() {
        for text in [
            "sk-learn-compatible-models-v2-2024",
            "sk-test",
            "task-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
            "disk-usage",
            "ghp_short",
            "ghp_abcdefghijklmnopqrstuvwxyzabcdefgh",
            "AKIAIOSFODNN7EXAMPL",
            "AKIAIOSFODNN7EXAMPLE1",
            "plx_test_admin_key",
            "key:plx_1a2b3c4d",
            "plx_bench_0123456789abcdef",
            "hf_transformers",
            "r8_model_name_with_many_words_2024",
        ] {
            assert_eq!(found(api_keys, text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn jwts_are_found() {
        assert_eq!(found(jwts, JWT), [JWT]);
        assert_eq!(found(jwts, &format!("Bearer {JWT}")), [JWT]);
        let unsecured = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbmEifQ.";
        assert_eq!(found(jwts, unsecured), [unsecured]);
    }

    #[test]
    fn jwt_lookalikes() {
        for text in [
            "eyJ.eyJ.x",
            "eyJhbGciOiJIUzI1NiJ9.notjson.sig",
            "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.sig",
            "eyJhbGciOiJIUzI1NiJ9",
        ] {
            assert_eq!(found(jwts, text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn random_looking_strings_are_secrets() {
        for text in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH",
            "dGhpcyBpcyBhIHNlY3JldCB0b2tlbiAxMjM0NTY3OA==",
            "Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz",
        ] {
            assert_eq!(found(secrets, text), [text], "{text}");
        }
        assert_eq!(
            found(secrets, "token=Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz;"),
            ["Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz"]
        );
    }

    #[test]
    fn structured_strings_are_not_secrets() {
        for text in [
            "550e8400-e29b-41d4-a716-446655440000",
            "3f786850e387550fdab836ed7e6dc881de23001b",
            "9f86d081884c7d659a2fea0a08a822ee8d7b1b7a6b2c1ed1e8b6c4f5a5d2b3c1",
            "api/v1/projects/550e8400-e29b-41d4-a716-446655440000/traces",
            "getUserById2FactorAuthenticationHandler",
            "ThisIsAVeryLongCamelCaseIdentifier2",
            "anthropic/claude-3-5-sonnet-20241022-v2",
            "claude-3-5-sonnet-20241022",
            "trace_01HZX3K9Q7M5V2N8P4R6T0W1Y3",
            "01HZX3K9Q7M5V2N8P4R6T0W1Y3ABCDEFGH",
            "projects/my-project/locations/us-central1/publishers/google/models/gemini-1",
            "experiment_2024_12_03_run_17_baseline_temperature_07",
            "s3/my-bucket/2024/12/03/run-17/checkpoints/model-000123",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8L",
            "a=Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz=b",
        ] {
            assert_eq!(found(secrets, text), Vec::<String>::new(), "{text}");
        }
    }
}
