//! How values read in the console: relative times, durations, counts, short ids and one-line
//! previews of inputs and outputs. Pure functions from values to plain strings; escaping is the
//! templates' job.

use parallax_model::Timestamp;
use serde_json::Value;
use uuid::Uuid;

/// "just now", "5 min ago", "3 h ago", "2 d ago", then the date; "in 4 min" for future times
/// (clocks of logging clients drift).
pub fn relative(t: Timestamp, now: Timestamp) -> String {
    let secs = (now.0 - t.0) / 1_000_000;
    let (ago, s) = if secs >= 0 {
        (true, secs)
    } else {
        (false, -secs)
    };
    let amount = match s {
        0..=44 => return "just now".into(),
        45..=3_599 => format!("{} min", (s + 30) / 60),
        3_600..=86_399 => format!("{} h", s / 3_600),
        86_400..=2_591_999 => format!("{} d", s / 86_400),
        _ => return t.to_rfc3339()[..10].to_owned(),
    };
    if ago {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

/// The absolute time for tooltips: `2026-12-03 16:25:18.921 UTC`.
pub fn absolute(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    format!("{} {} UTC", &s[..10], &s[11..23])
}

/// Nanoseconds as a person reads them: `850 ns`, `12 µs`, `12.3 ms`, `1.24 s`, `2 min 3 s`.
pub fn duration(ns: i64) -> String {
    let f = ns as f64;
    match ns {
        i64::MIN..=999 => format!("{ns} ns"),
        1_000..=999_999 => format!("{} µs", sig3(f / 1e3)),
        1_000_000..=999_999_999 => format!("{} ms", sig3(f / 1e6)),
        1_000_000_000..=59_999_999_999 => format!("{} s", sig3(f / 1e9)),
        _ => {
            let s = ns / 1_000_000_000;
            if s < 3_600 {
                format!("{} min {} s", s / 60, s % 60)
            } else {
                format!("{} h {} min", s / 3_600, (s % 3_600) / 60)
            }
        }
    }
}

/// Three significant digits without trailing zeros: 1.24, 12.3, 123.
fn sig3(x: f64) -> String {
    let text = if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A count with thousands separators as English writes them: `1,234,567` (the issue's
/// "1,204 records will be tagged"; the console's pages are `lang="en"`).
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    // The first group has 1 to 3 digits; every later group has 3.
    let first = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let mut out = digits[..first].to_owned();
    let mut rest = &digits[first..];
    while !rest.is_empty() {
        out.push(',');
        out.push_str(&rest[..3]);
        rest = &rest[3..];
    }
    out
}

pub fn percent(rate: f64) -> String {
    if rate == 0.0 {
        "0%".into()
    } else if rate < 0.001 {
        "<0.1%".into()
    } else {
        format!("{}%", sig3(rate * 100.0))
    }
}

/// The first 8 hex digits of an id, for tables; the full id goes in a tooltip.
pub fn short_id(id: Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

/// At most `max` characters of `text` on one line, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The text a person wants to see of an input or output: a string as is; for chat messages,
/// the last message's content; for documents, the first document; else compact JSON.
pub fn io_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if !items.is_empty() => match items.last() {
            Some(Value::Object(m)) if m.contains_key("role") => {
                message_text(&items[items.len() - 1])
            }
            Some(Value::Object(m)) if m.contains_key("content") => io_text(&items[0]),
            _ => v.to_string(),
        },
        Value::Object(m) => match m.get("content") {
            Some(c) => content_text(c),
            None => v.to_string(),
        },
        other => other.to_string(),
    }
}

fn message_text(m: &Value) -> String {
    let content = m.get("content").map(content_text).unwrap_or_default();
    if !content.is_empty() {
        return content;
    }
    match m.get("tool_calls") {
        Some(Value::Array(calls)) if !calls.is_empty() => calls
            .iter()
            .map(|c| {
                let name = c
                    .pointer("/function/name")
                    .and_then(Value::as_str)
                    .unwrap_or("tool");
                format!("{name}(…)")
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

/// Message content: a string, or OpenAI-style parts whose text parts are joined.
pub fn content_text(c: &Value) -> String {
    match c {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                other => other
                    .get("text")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| other.to_string()),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(850), "850 ns");
        assert_eq!(duration(12_000), "12 µs");
        assert_eq!(duration(12_340_000), "12.3 ms");
        assert_eq!(duration(1_240_000_000), "1.24 s");
        assert_eq!(duration(123_000_000_000), "2 min 3 s");
    }

    #[test]
    fn relative_times() {
        let now = Timestamp(10_000_000_000_000);
        assert_eq!(relative(Timestamp(now.0 - 5_000_000), now), "just now");
        assert_eq!(relative(Timestamp(now.0 - 300_000_000), now), "5 min ago");
        assert_eq!(relative(Timestamp(now.0 + 300_000_000), now), "in 5 min");
        assert_eq!(relative(Timestamp(now.0 - 7_200_000_000), now), "2 h ago");
    }

    #[test]
    fn previews() {
        assert_eq!(io_text(&json!("hi")), "hi");
        assert_eq!(
            io_text(&json!([{"role": "system", "content": "a"}, {"role": "user", "content": "b"}])),
            "b"
        );
        assert_eq!(
            io_text(&json!({"role": "assistant", "content": [{"type": "text", "text": "x"}]})),
            "x"
        );
        assert_eq!(clip("a  b\nc", 10), "a b c");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(1204), "1,204");
        assert_eq!(count(999), "999");
        assert_eq!(percent(0.25), "25%");
    }
}
