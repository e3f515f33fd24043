//! Points in time, stored as microseconds since the Unix epoch (UTC).
//!
//! Microseconds are what the Galileo SDK sends (`2026-12-03T16:16:29.908171Z`) and fit an `i64`
//! for the next 290,000 years. Naive datetimes (no offset, as the SDK sends user-supplied ones)
//! are read as UTC, per PROTOCOL.md §4.2.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an ISO-8601 date-time (expected e.g. 2026-12-03T16:16:29.908171Z)")]
pub struct TimestampError {
    pub input: String,
}

impl Timestamp {
    pub fn now() -> Timestamp {
        Timestamp::from_datetime(OffsetDateTime::now_utc())
    }

    pub fn from_datetime(dt: OffsetDateTime) -> Timestamp {
        Timestamp((dt.unix_timestamp_nanos() / 1_000) as i64)
    }

    /// Parses RFC 3339 with any offset, a naive date-time (read as UTC), or a bare date.
    pub fn parse(raw: &str) -> Result<Timestamp, TimestampError> {
        let s = raw.trim();
        if let Ok(dt) = OffsetDateTime::parse(s, &Rfc3339) {
            return Ok(Timestamp::from_datetime(dt));
        }
        let naive = format_description!(
            version = 2,
            "[year]-[month]-[day][first [T][ ]][hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
        );
        if let Ok(dt) = PrimitiveDateTime::parse(s, naive) {
            return Ok(Timestamp::from_datetime(dt.assume_utc()));
        }
        let date = format_description!("[year]-[month]-[day]");
        if let Ok(d) = time::Date::parse(s, date) {
            return Ok(Timestamp::from_datetime(d.midnight().assume_utc()));
        }
        Err(TimestampError {
            input: raw.to_owned(),
        })
    }

    /// RFC 3339 in UTC with microseconds, the form the Galileo API answers with.
    pub fn to_rfc3339(self) -> String {
        let dt = OffsetDateTime::from_unix_timestamp_nanos(self.0 as i128 * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let fmt = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        dt.format(fmt).unwrap_or_default()
    }

    pub fn micros(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_the_sdk_sends() {
        let z = Timestamp::parse("2026-12-03T16:16:29.908171Z").unwrap();
        assert_eq!(z.to_rfc3339(), "2026-12-03T16:16:29.908171Z");
        assert_eq!(Timestamp::parse("2026-12-03T16:16:29.908171").unwrap(), z);
        assert_eq!(
            Timestamp::parse("2026-12-03T17:16:29.908171+01:00").unwrap(),
            z
        );
        assert_eq!(
            Timestamp::parse("2024-01-02T03:04:05")
                .unwrap()
                .to_rfc3339(),
            "2024-01-02T03:04:05.000000Z"
        );
        assert_eq!(
            Timestamp::parse("2026-12-01").unwrap().to_rfc3339(),
            "2026-12-01T00:00:00.000000Z"
        );
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
