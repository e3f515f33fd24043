//! Phone numbers and payment card numbers: runs of ASCII digits in groups.
//!
//! Both detectors read a whole digit structure before judging it and never match part of a
//! larger one: a number must not touch a letter, digit or `_` on either side, nor continue with
//! `-`, `.`, `:`, `/` or `,` followed by another digit (that is how dates, times, versions, IP
//! addresses, decimals and lists look). A space does not glue numbers together, so
//! `2026-12-03 555-123-4567` still has a phone number.
//!
//! **Phone numbers**, two forms:
//! - international: `+`, then 8 to 15 digits (E.164's limit) in groups joined by a space, `-` or
//!   `.`, with optional parentheses (`+1 (555) 123-4567`, `+44 (0)20 7946 0958`, `+14155552671`);
//!   the country code does not start with 0; a dotted number needs three or more groups, so a
//!   signed decimal like `+1234567.89` is not a phone.
//! - national, grouped with one consistent separator (the one after a parenthesised group aside):
//!   North American `555-123-4567`, `(555) 123-4567`, `555.123.4567`, `1 555 123 4567` (groups of
//!   3-3-4 with an optional leading 1), or a trunk-prefixed number whose first group starts with
//!   `0` (`020 7946 0958`, `06 12 34 56 78`, `(030) 1234 5678`): 9 to 12 digits in 2 to 6 groups,
//!   or 10 to 17 digits after an international `00` prefix.
//!
//! Not phones: ISO dates and times, versions (`0.0.1`, `1.2.3.4`), IPv4 addresses, decimals,
//! UUIDs, and plain integers of any length (`42`, `1234567`, an experiment number). The price is
//! that an ungrouped national number (`5551234567`) is not recognised, and that a grouped id
//! which happens to fit a phone shape (`010 203 040`) is.
//!
//! **Card numbers**: 13 to 19 digits, ungrouped or in groups of 3 to 6 joined by one consistent
//! space or `-` (`4111 1111 1111 1111`, `3782-822463-10005`), that pass the Luhn check and start
//! with a known issuer prefix for their length: Visa 4; Mastercard 51–55 and 2221–2720; American
//! Express 34, 37; Discover 6011, 644–649, 65, 622126–622925; Diners Club 300–305, 36, 38, 39;
//! JCB 3528–3589; UnionPay 62; Mir 2200–2204; Maestro 5018, 5020, 5038, 5893, 6304, 6759,
//! 6761–6763. A space-grouped card followed by more groups (`4111 1111 1111 1111 2026`) is still
//! found. Luhn alone passes one random number in ten; with the prefix and length rules a random
//! 16-digit id is flagged about one time in a hundred, and epoch timestamps and snowflake ids
//! (which start with 1) never are.

use std::ops::Range;

/// Separators that make a following digit part of the same number.
const TIGHT: [char; 5] = ['-', '.', ':', '/', ','];

/// The most digits a phone number has (an international number after a `00` prefix).
const MAX_PHONE_DIGITS: usize = 17;

/// The most groups a national phone number has.
const MAX_PHONE_GROUPS: usize = 6;

/// Whether a number may start at `s`: it does not continue an alphanumeric run or a number.
fn left_ok(c: &[char], s: usize) -> bool {
    let Some(&p) = s.checked_sub(1).and_then(|j| c.get(j)) else {
        return true;
    };
    if p.is_alphanumeric() || p == '_' || p == '+' {
        return false;
    }
    !(TIGHT.contains(&p) && s >= 2 && c[s - 2].is_ascii_digit())
}

/// Whether a number may end at `e` (exclusive).
fn right_ok(c: &[char], e: usize) -> bool {
    let Some(&n) = c.get(e) else {
        return true;
    };
    if n.is_alphanumeric() || n == '_' {
        return false;
    }
    !(TIGHT.contains(&n) && c.get(e + 1).is_some_and(char::is_ascii_digit))
}

fn digits_end(c: &[char], mut i: usize) -> usize {
    while c.get(i).is_some_and(char::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Every phone number in `c`, as char ranges.
pub(super) fn phones(c: &[char]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let end = match c[i] {
            '+' => international(c, i),
            '(' | '0'..='9' if left_ok(c, i) => national(c, i),
            _ => None,
        };
        match end {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// `+` and 8 to 15 digits in loosely punctuated groups.
fn international(c: &[char], plus: usize) -> Option<usize> {
    if plus > 0 && (c[plus - 1].is_alphanumeric() || matches!(c[plus - 1], '_' | '+')) {
        return None;
    }
    let (mut digits, mut groups, mut dots, mut others) = (0, 0, 0, 0);
    let mut i = plus + 1;
    let mut end = None;
    loop {
        // The joiner before a group: at most one of ` .-` and one of each parenthesis.
        let j = i;
        while i < c.len() && i - j < 3 && matches!(c[i], ' ' | '.' | '-' | '(' | ')') {
            i += 1;
        }
        let joiner = &c[j..i];
        let count = |set: &[char]| joiner.iter().filter(|ch| set.contains(ch)).count();
        let seps = count(&[' ', '.', '-']);
        let sound =
            seps <= 1 && count(&['(']) <= 1 && count(&[')']) <= 1 && (groups > 0 || seps == 0);
        if !sound || !c.get(i).is_some_and(char::is_ascii_digit) {
            break;
        }
        if groups == 0 && c[i] == '0' {
            return None;
        }
        dots += count(&['.']);
        others += count(&[' ', '-', '(', ')']);
        let k = digits_end(c, i);
        digits += k - i;
        groups += 1;
        i = k;
        end = Some(k);
        if digits > 15 {
            return None;
        }
    }
    let end = end?;
    let dotted_ok = dots == 0 || (others == 0 && groups >= 3);
    ((8..=15).contains(&digits) && dotted_ok && right_ok(c, end)).then_some(end)
}

/// One group of digits in a national number.
#[derive(Debug, Clone, Copy)]
struct Group {
    len: usize,
    first: char,
    second: Option<char>,
    paren: bool,
}

/// A grouped number starting at `s`, judged as a whole against the national shapes.
fn national(c: &[char], s: usize) -> Option<usize> {
    let (groups, sep, end) = read_groups(c, s)?;
    let lens: Vec<usize> = groups.iter().map(|g| g.len).collect();
    let total: usize = lens.iter().sum();
    let parens: Vec<usize> = (0..groups.len()).filter(|&i| groups[i].paren).collect();
    let ipv4 = sep == Some('.') && groups.len() == 4 && lens.iter().all(|&l| l <= 3);
    let dotted_ok = sep != Some('.') || groups.len() >= 3;
    let nanp = match lens.as_slice() {
        [3, 3, 4] => parens.iter().all(|&i| i == 0),
        [1, 3, 3, 4] => groups[0].first == '1' && parens.iter().all(|&i| i == 1),
        _ => false,
    };
    let first = groups[0];
    let trunk = first.first == '0'
        && parens.iter().all(|&i| i == 0)
        && (2..=6).contains(&groups.len())
        && (2..=5).contains(&first.len)
        && groups[1..].iter().all(|g| (2..=8).contains(&g.len))
        && if first.second == Some('0') {
            (10..=17).contains(&total)
        } else {
            (9..=12).contains(&total)
        };
    ((nanp || trunk) && !ipv4 && dotted_ok && right_ok(c, end)).then_some(end)
}

/// Reads digit groups from `s`: each optionally in parentheses, joined by one consistent
/// separator of ` -.`; next to a parenthesised group the joiner may be empty or any separator.
/// Returns the groups, the consistent separator and the end, or `None` when the structure has
/// too many digits or groups to be a phone number (which also keeps the scan linear).
fn read_groups(c: &[char], s: usize) -> Option<(Vec<Group>, Option<char>, usize)> {
    let mut groups: Vec<Group> = Vec::new();
    let mut sep = None;
    let mut i = s;
    let mut end = s;
    let mut total = 0;
    loop {
        let paren = c.get(i) == Some(&'(');
        let j = if paren { i + 1 } else { i };
        let k = digits_end(c, j);
        if k == j || (paren && c.get(k) != Some(&')')) {
            break;
        }
        groups.push(Group {
            len: k - j,
            first: c[j],
            second: c.get(j + 1).filter(|ch| ch.is_ascii_digit()).copied(),
            paren,
        });
        total += k - j;
        if total > MAX_PHONE_DIGITS || groups.len() > MAX_PHONE_GROUPS {
            return None;
        }
        end = if paren { k + 1 } else { k };
        i = end;
        let next = c.get(i).copied();
        let after = c.get(i + 1).copied();
        let group_follows =
            |ch: Option<char>| ch.is_some_and(|ch| ch.is_ascii_digit() || ch == '(');
        match next {
            Some(ch @ (' ' | '-' | '.')) if group_follows(after) => {
                let beside_paren = paren || after == Some('(');
                if !beside_paren {
                    if sep.is_some_and(|s| s != ch) {
                        break;
                    }
                    sep = Some(ch);
                }
                i += 1;
            }
            Some(ch) if paren && ch.is_ascii_digit() => {}
            _ => break,
        }
    }
    (!groups.is_empty()).then_some((groups, sep, end))
}

/// Every payment card number in `c`, as char ranges.
pub(super) fn cards(c: &[char]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        match (c[i].is_ascii_digit() && left_ok(c, i))
            .then(|| card_at(c, i))
            .flatten()
        {
            Some(end) => {
                out.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// The card number starting at `s`: the longest group-aligned prefix of the digit run that is one.
fn card_at(c: &[char], s: usize) -> Option<usize> {
    // (end of group, digits so far) for each group that may belong to the card.
    let mut ends: Vec<(usize, usize)> = Vec::new();
    let mut digits: Vec<u8> = Vec::new();
    let mut sep = None;
    let mut i = s;
    // Whether the run goes on past the last group in `ends` with groups no card has.
    let mut more = false;
    loop {
        let k = digits_end(c, i);
        // In a grouped card, every group (the first included) has 3 to 6 digits.
        let grouping_ok = |len: usize| (3..=6).contains(&len);
        let grouped_ok = ends.is_empty() || grouping_ok(k - i) && grouping_ok(ends[0].1);
        if !grouped_ok {
            more = true;
            break;
        }
        digits.extend(c[i..k].iter().map(|ch| *ch as u8 - b'0'));
        ends.push((k, digits.len()));
        if digits.len() > 19 {
            break;
        }
        match (c.get(k), c.get(k + 1)) {
            (Some(&ch @ (' ' | '-')), Some(d))
                if d.is_ascii_digit() && sep.is_none_or(|s| s == ch) =>
            {
                sep = Some(ch);
                i = k + 1;
            }
            _ => break,
        }
    }
    // Only a space lets a card be followed by more digits; after `-` it is part of a longer id.
    let prefix_ok = sep == Some(' ');
    (1..=ends.len()).rev().find_map(|n| {
        let (end, len) = ends[n - 1];
        let whole = n == ends.len() && !more;
        let boundary = if whole { right_ok(c, end) } else { prefix_ok };
        (boundary && is_card(&digits[..len])).then_some(end)
    })
}

/// Luhn, length and issuer prefix.
fn is_card(d: &[u8]) -> bool {
    (13..=19).contains(&d.len()) && issuer_accepts(d) && luhn(d)
}

fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    // Not `is_multiple_of`: it is newer than the workspace's rust-version (1.85).
    #[allow(clippy::manual_is_multiple_of)]
    let valid = sum % 10 == 0;
    valid
}

fn issuer_accepts(d: &[u8]) -> bool {
    let prefix = |k: usize| d[..k].iter().fold(0u32, |n, &x| n * 10 + u32::from(x));
    let len = d.len();
    let any = |ranges: &[(u32, u32)], k: usize| {
        ranges
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&prefix(k)))
    };
    let visa = d[0] == 4 && matches!(len, 13 | 16 | 19);
    let mastercard = len == 16 && (any(&[(51, 55)], 2) || any(&[(2221, 2720)], 4));
    let amex = len == 15 && any(&[(34, 34), (37, 37)], 2);
    let long = (16..=19).contains(&len);
    let discover = long
        && (prefix(4) == 6011
            || prefix(2) == 65
            || any(&[(644, 649)], 3)
            || any(&[(622126, 622925)], 6));
    let diners =
        (14..=19).contains(&len) && (any(&[(300, 305)], 3) || any(&[(36, 36), (38, 39)], 2));
    let jcb = long && any(&[(3528, 3589)], 4);
    let unionpay = long && prefix(2) == 62;
    let mir = long && any(&[(2200, 2204)], 4);
    let maestro = [5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763].contains(&prefix(4));
    visa || mastercard || amex || discover || diners || jcb || unionpay || mir || maestro
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

    #[test]
    fn phone_numbers_are_found() {
        let cases = [
            ("+1 (555) 123-4567", "+1 (555) 123-4567"),
            ("call +44 20 7946 0958.", "+44 20 7946 0958"),
            ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
            ("+14155552671", "+14155552671"),
            ("+33.1.23.45.67.89", "+33.1.23.45.67.89"),
            ("(+49-30-1234567)", "+49-30-1234567"),
            ("(555) 123-4567", "(555) 123-4567"),
            ("(555)123-4567", "(555)123-4567"),
            ("555-123-4567", "555-123-4567"),
            ("555.123.4567", "555.123.4567"),
            ("tel: 555 123 4567", "555 123 4567"),
            ("1-555-123-4567", "1-555-123-4567"),
            ("1 (555) 123-4567", "1 (555) 123-4567"),
            ("020 7946 0958", "020 7946 0958"),
            ("06 12 34 56 78", "06 12 34 56 78"),
            ("(030) 1234 5678", "(030) 1234 5678"),
            ("0171-1234567", "0171-1234567"),
            ("0044 20 7946 0958", "0044 20 7946 0958"),
            ("phone=555-123-4567;", "555-123-4567"),
            ("2026-12-03 555-123-4567", "555-123-4567"),
        ];
        for (text, want) in cases {
            assert_eq!(found(phones, text), [want], "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_phones() {
        for text in [
            "2026-12-03",
            "2026-12-03T10:30:00Z",
            "2026-12-03 10:30:00",
            "03/12/2026",
            "10:30:45.123456789",
            "0.0.1",
            "1.2.3.4",
            "10.20.300",
            "192.168.100.200",
            "010.001.002.003",
            "42",
            "1234567",
            "15551234567",
            "3.14159265358979",
            "0.123456789",
            "+1234567.89",
            "+1234567",
            "+0 20 7946 0958",
            "1+5551234567",
            "550e8400-e29b-41d4-a716-446655440000",
            "12345678-1234-1234-1234-123456789012",
            "1 234 567 890",
            "555-123-4567-89",
            "555-123-4567x89",
            "a555-123-4567",
            "555-123 4567",
            "v1.555.123.4567",
            "0 1 2 3 4 5 6 7 8 9",
            "+1 555 123 4567 8901 2345",
        ] {
            assert_eq!(found(phones, text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn card_numbers_are_found() {
        let cases = [
            ("4111111111111111", "4111111111111111"),
            ("4111 1111 1111 1111", "4111 1111 1111 1111"),
            ("4111-1111-1111-1111", "4111-1111-1111-1111"),
            ("card: 5555 5555 5555 4444.", "5555 5555 5555 4444"),
            ("2223003122003222", "2223003122003222"),
            ("378282246310005", "378282246310005"),
            ("3782 822463 10005", "3782 822463 10005"),
            ("6011111111111117", "6011111111111117"),
            ("3530111333300000", "3530111333300000"),
            ("30569309025904", "30569309025904"),
            ("6200000000000005", "6200000000000005"),
            ("4222222222222", "4222222222222"),
            ("4111 1111 1111 1111 2026", "4111 1111 1111 1111"),
            ("5105105105105100 5", "5105105105105100"),
        ];
        for (text, want) in cases {
            assert_eq!(found(cards, text), [want], "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_cards() {
        for text in [
            "4111111111111112", // fails Luhn
            "1234567812345670", // passes Luhn, no issuer starts with 1
            "1733212800000000", // an epoch in microseconds
            "9111111111111111",
            "41111111111111111111", // 20 digits: a longer id
            "4111-1111-1111-1111-2026",
            "x4111111111111111",
            "4111111111111111x",
            "4111111111111111.5",
            "+4111111111111111",
            "41 11 11 11 11 11 11 11",
        ] {
            assert_eq!(found(cards, text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn luhn_matches_known_values() {
        let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<u8>>();
        assert!(luhn(&digits("79927398713")));
        assert!(!luhn(&digits("79927398710")));
    }
}
