//! Literals shared by every spelling: numbers, durations and timestamps, read and written.
//!
//! The text language and Galileo's JSON both carry these as text, so one reader per kind keeps
//! them agreeing: a date that Galileo may send is a date the text language accepts. The writers
//! produce the canonical forms the pretty-printer uses, and each writer's output is accepted by
//! its reader (the round-trip property test relies on it).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// See [`crate::parse_number`].
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let skip_sign = |i: &mut usize| {
        if matches!(bytes.get(*i), Some(b'+' | b'-')) {
            *i += 1;
        }
    };
    let skip_digits = |i: &mut usize| -> bool {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    skip_sign(&mut i);
    if !skip_digits(&mut i) {
        return None;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !skip_digits(&mut i) {
            return None;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        skip_sign(&mut i);
        if !skip_digits(&mut i) {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Duration units, the two-letter ones first so that `ms` is not read as `m` + `s`.
const UNITS: [(&str, i128); 7] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Reads a number followed by a unit (`2s`, `1.5ms`, `250us`, `250µs`, `10m`, `1h`, `100ns`)
/// into nanoseconds. A bare number has no unit and is refused: `duration > 2` would be a guess.
///
/// Whole numbers are multiplied exactly; fractions are rounded to the nearest nanosecond.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let (number, factor) = UNITS
        .iter()
        .find_map(|(unit, factor)| text.strip_suffix(unit).map(|n| (n, *factor)))?;
    parse_number(number)?;
    let digits = number.strip_prefix('+').unwrap_or(number);
    let nanos = match digits.parse::<i128>() {
        Ok(whole) => whole.checked_mul(factor)?,
        Err(_) => {
            let scaled = (digits.parse::<f64>().ok()? * factor as f64).round();
            if !scaled.is_finite() || scaled.abs() > 1e19 {
                return None;
            }
            scaled as i128
        }
    };
    i64::try_from(nanos).ok()
}

/// Writes nanoseconds with the largest unit that divides them exactly (`2s`, `1500ms`, `7ns`).
pub(crate) fn format_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_owned();
    }
    let nanos = i128::from(nanos);
    let (unit, factor) = [
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ]
    .into_iter()
    .find(|(_, factor)| nanos % factor == 0)
    .unwrap_or(("ns", 1));
    format!("{}{unit}", nanos / factor)
}

/// Reads a date or timestamp into microseconds since the epoch, UTC.
///
/// Accepted: `2026-12-01` (midnight UTC), and `2026-12-01T10:00`, `…T10:00:00`,
/// `…T10:00:00.123456` with `T`, `t` or a space between date and time, followed by nothing
/// (naive, taken as UTC, as the Galileo SDK sends it), `Z`, `z`, `+01:00`, `+0100` or `+01`.
/// Digits past the microsecond are dropped.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let (date, rest) = parse_date(text)?;
    let (time, offset) = if rest.is_empty() {
        (Time::MIDNIGHT, UtcOffset::UTC)
    } else {
        let rest = rest
            .strip_prefix(['T', 't', ' '])
            .filter(|r| !r.is_empty())?;
        let (time, rest) = parse_time(rest)?;
        (time, parse_offset(rest)?)
    };
    let nanos = PrimitiveDateTime::new(date, time)
        .assume_offset(offset)
        .unix_timestamp_nanos();
    i64::try_from(nanos.div_euclid(1000)).ok()
}

fn parse_date(text: &str) -> Option<(Date, &str)> {
    let (year, rest) = fixed_digits(text, 4)?;
    let (month, rest) = fixed_digits(rest.strip_prefix('-')?, 2)?;
    let (day, rest) = fixed_digits(rest.strip_prefix('-')?, 2)?;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year as i32, month, u8::try_from(day).ok()?).ok()?;
    Some((date, rest))
}

fn parse_time(text: &str) -> Option<(Time, &str)> {
    let (hour, rest) = fixed_digits(text, 2)?;
    let (minute, mut rest) = fixed_digits(rest.strip_prefix(':')?, 2)?;
    let (mut second, mut nanos) = (0, 0);
    if let Some(after) = rest.strip_prefix(':') {
        let (s, after) = fixed_digits(after, 2)?;
        second = s;
        rest = after;
        if let Some(after) = rest.strip_prefix(['.', ',']) {
            let len = after.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                return None;
            }
            let kept = &after[..len.min(9)];
            nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
            rest = &after[len..];
        }
    }
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    Some((time, rest))
}

fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text.is_empty() || text == "Z" || text == "z" {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, rest) = fixed_digits(rest, 2)?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (minutes, rest) = if rest.is_empty() {
        (0, rest)
    } else {
        fixed_digits(rest, 2)?
    };
    if !rest.is_empty() {
        return None;
    }
    let hours = i8::try_from(hours).ok()? * sign;
    let minutes = i8::try_from(minutes).ok()? * sign;
    UtcOffset::from_hms(hours, minutes, 0).ok()
}

/// Exactly `n` ASCII digits at the start of `text`, and what follows them.
fn fixed_digits(text: &str, n: usize) -> Option<(u32, &str)> {
    let head = text.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, &text[n..]))
}

/// Writes microseconds as `2026-12-01` when they fall on midnight UTC, and otherwise as
/// `2026-12-01T10:00:00Z` or `2026-12-01T10:00:00.123456Z`. `None` outside the years 0000 to
/// 9999, which RFC 3339 cannot write.
pub(crate) fn format_timestamp(micros: i64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()?;
    if !(0..=9999).contains(&at.year()) {
        return None;
    }
    let date = format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    );
    if at.time() == Time::MIDNIGHT {
        return Some(date);
    }
    let fraction = match at.microsecond() {
        0 => String::new(),
        us => format!(".{us:06}"),
    };
    Some(format!(
        "{date}T{:02}:{:02}:{:02}{fraction}Z",
        at.hour(),
        at.minute(),
        at.second()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_one_grammar() {
        for ok in ["25", "-2.5", "+1", "1e+20", "1.5e-07", "0"] {
            assert!(parse_number(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "25.", ".5", " 25", "inf", "NaN", "0x10", "1e", "1e400", "-", "2s",
        ] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_read_and_write() {
        assert_eq!(parse_duration("2s"), Some(2_000_000_000));
        assert_eq!(parse_duration("1.5ms"), Some(1_500_000));
        assert_eq!(parse_duration("250µs"), Some(250_000));
        assert_eq!(parse_duration("10m"), Some(600_000_000_000));
        assert_eq!(parse_duration("2"), None);
        assert_eq!(parse_duration("2d"), None);
        assert_eq!(parse_duration("ms"), None);
        assert_eq!(parse_duration("9999999999h"), None);
        assert_eq!(format_duration(1_500_000), "1500us");
        assert_eq!(format_duration(3_600_000_000_000), "1h");
        assert_eq!(format_duration(-7), "-7ns");
        assert_eq!(format_duration(i64::MIN), "-9223372036854775808ns");
        assert_eq!(parse_duration(&format_duration(i64::MIN)), Some(i64::MIN));
    }

    #[test]
    fn timestamps_read_and_write() {
        let midnight = parse_timestamp("2026-12-01").unwrap();
        assert_eq!(format_timestamp(midnight).unwrap(), "2026-12-01");
        let naive = parse_timestamp("2020-01-01T00:00:00").unwrap();
        assert_eq!(naive, 1_577_836_800_000_000);
        let offset = parse_timestamp("2026-12-03T17:16:29.908171+01:00").unwrap();
        assert_eq!(
            format_timestamp(offset).unwrap(),
            "2026-12-03T16:16:29.908171Z"
        );
        assert_eq!(
            parse_timestamp("2026-12-01 10:00"),
            parse_timestamp("2026-12-01T10:00Z")
        );
        for bad in [
            "2026-13-01",
            "2026-12-01T",
            "2026-12-01T25:00",
            "26-12-01",
            "2026-12-01Tx",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
