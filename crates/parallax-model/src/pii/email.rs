//! E-mail addresses: `local@domain.tld`.
//!
//! The rule, anchored on each `@`:
//! - the local part is the run of letters, digits (any script) and `. _ % + -` right before the
//!   `@`, with leading punctuation dropped (`"...ana@x.org` gives `ana@x.org`); it is not empty;
//! - the domain is two or more dot-separated labels of letters, digits (any script) and `-`;
//!   trailing labels are dropped until the last one is a top-level domain: at least two letters,
//!   or an IDN `xn--…` label. A sentence's final `.` is not part of the address.
//!
//! False positives accepted: anything address-shaped is flagged even when it is not a mailbox,
//! e.g. a git remote `git@github.com` or a message id `<a1b2@mail.example.com>`; in tags and
//! metadata those are rare and cheap to rename. Avoided: `user@localhost` (no top-level domain),
//! version pins `pkg@1.2.3` (numeric "top-level domain"), `@mentions` (no local part), and
//! image names like `icon@2x.png` (a single `<digits>x` label before the extension).
//! Quoted local parts and IP-literal domains (`"a b"@[10.0.0.1]`) are not recognised.

use std::ops::Range;

/// Every e-mail address in `c`, as char ranges.
pub(super) fn emails(c: &[char]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    // Nothing before `floor` may join a new match: it is part of the previous one.
    let mut floor = 0;
    for at in 0..c.len() {
        if c[at] != '@' || at < floor {
            continue;
        }
        let mut start = at;
        while start > floor && is_local(c[start - 1]) {
            start -= 1;
        }
        while start < at && !c[start].is_alphanumeric() {
            start += 1;
        }
        if start == at {
            continue;
        }
        if let Some(end) = domain_end(c, at + 1) {
            out.push(start..end);
            floor = end;
        }
    }
    out
}

fn is_local(ch: char) -> bool {
    ch.is_alphanumeric() || matches!(ch, '.' | '_' | '%' | '+' | '-')
}

fn is_label(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '-'
}

/// Where the domain starting at `from` ends, if there is a valid one.
fn domain_end(c: &[char], from: usize) -> Option<usize> {
    let mut labels: Vec<Range<usize>> = Vec::new();
    let mut i = from;
    loop {
        let start = i;
        while i < c.len() && is_label(c[i]) {
            i += 1;
        }
        if i == start {
            break;
        }
        labels.push(start..i);
        if c.get(i) == Some(&'.') && c.get(i + 1).is_some_and(|&n| is_label(n)) {
            i += 1;
        } else {
            break;
        }
    }
    while labels.len() >= 2 && !is_tld(&c[labels[labels.len() - 1].clone()]) {
        labels.pop();
    }
    if labels.len() < 2 || is_image_scale(c, &labels) {
        return None;
    }
    Some(labels[labels.len() - 1].end)
}

fn is_tld(label: &[char]) -> bool {
    let idn = label.len() > 4
        && label[..4] == ['x', 'n', '-', '-']
        && label
            .iter()
            .all(|ch| ch.is_ascii_alphanumeric() || *ch == '-');
    idn || (label.len() >= 2 && label.iter().all(|ch| ch.is_alphabetic()))
}

/// `2x.png` in `icon@2x.png`: a retina asset name, not a domain.
fn is_image_scale(c: &[char], labels: &[Range<usize>]) -> bool {
    let first = &c[labels[0].clone()];
    labels.len() == 2
        && first.len() >= 2
        && first[first.len() - 1] == 'x'
        && first[..first.len() - 1].iter().all(char::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(text: &str) -> Vec<String> {
        let c: Vec<char> = text.chars().collect();
        emails(&c)
            .into_iter()
            .map(|r| c[r].iter().collect())
            .collect()
    }

    #[test]
    fn addresses_are_found() {
        let cases = [
            ("ana@example.org", "ana@example.org"),
            (
                "mail John.Smith+tag@mail.example.co.uk.",
                "John.Smith+tag@mail.example.co.uk",
            ),
            ("<first_last-2@sub-domain.io>", "first_last-2@sub-domain.io"),
            ("user_email=bob@corp.com;", "bob@corp.com"),
            ("\"...ana@x.org\"", "ana@x.org"),
            ("josé@exämple.com", "josé@exämple.com"),
            ("ivan@пример.рф", "ivan@пример.рф"),
            ("a@b.xn--p1ai", "a@b.xn--p1ai"),
            ("ana@mail.example.com.1", "ana@mail.example.com"),
            ("git@github.com:org/repo", "git@github.com"),
        ];
        for (text, want) in cases {
            assert_eq!(matches(text), [want], "{text}");
        }
    }

    #[test]
    fn adjacent_addresses_do_not_overlap() {
        assert_eq!(matches("a@b.co,c@d.io"), ["a@b.co", "c@d.io"]);
        assert_eq!(matches("a@b.co@x.io"), ["a@b.co"]);
    }

    #[test]
    fn address_like_strings_that_are_not_addresses() {
        for text in [
            "user@localhost",
            "lodash@4.17.21",
            "@mentions",
            "icon@2x.png",
            "a@b.c",
            "x@.com",
            "@",
            "...@example.com",
            "name@domain.",
            "newton",
            "new-version",
            "sha256@abc",
        ] {
            assert_eq!(matches(text), Vec::<String>::new(), "{text}");
        }
    }
}
