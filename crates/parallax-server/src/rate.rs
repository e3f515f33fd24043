//! Per-API-key request rate limits (PRODUCT.md, Security: "Limits on body size and rate").
//!
//! A token bucket per key: it refills at the configured rate and holds twice that, so a client
//! can burst (the SDK flushes in bursts) but not sustain more. Over the limit the request is
//! answered 429 with `Retry-After`, which the Galileo SDK and OTLP exporters honour by retrying.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;
use uuid::Uuid;

pub struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<Uuid, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second == 0` disables the limit.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: per_second as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket, or says how many whole seconds until one is free.
    pub fn check(&self, key: Uuid, now: Instant) -> Result<(), u64> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let capacity = self.per_second * 2.0;
        let mut buckets = self.buckets.lock().expect("rate buckets");
        let (tokens, at) = buckets.entry(key).or_insert((capacity, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.per_second)
            .min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills() {
        let limiter = RateLimiter::new(2);
        let (key, t0) = (Uuid::new_v4(), Instant::now());
        for _ in 0..4 {
            assert!(limiter.check(key, t0).is_ok(), "a burst of twice the rate");
        }
        assert_eq!(limiter.check(key, t0), Err(1));
        assert!(
            limiter.check(Uuid::new_v4(), t0).is_ok(),
            "keys have their own buckets"
        );
        assert!(
            limiter.check(key, t0 + Duration::from_millis(600)).is_ok(),
            "refilled at the rate"
        );
        assert!(RateLimiter::new(0).check(key, t0).is_ok());
    }
}
