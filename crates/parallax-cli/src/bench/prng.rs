//! A tiny seeded pseudo-random generator (SplitMix64) for the benchmark's workload.
//!
//! The workload must be the same on every run and every machine for a given seed, and each trace
//! must be reproducible on its own (concurrent senders build batches in any order), so every trace
//! gets its own generator forked from the seed and its index. SplitMix64 passes BigCrush, needs no
//! dependency, and is far faster than the JSON writing it feeds.

use uuid::Uuid;

pub struct Rng(u64);

/// The SplitMix64 finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for item `index` of the stream named by `seed`, independent of every other index.
    pub fn fork(seed: u64, index: u64) -> Rng {
        Rng(mix(seed ^ mix(index.wrapping_add(0x9E37_79B9_7F4A_7C15))))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-32 for our small `n`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A standard normal deviate (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // in (0, 1], so ln is finite
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal around `median` with shape `sigma`: the long right tail real latencies have.
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// `n` scaled by a uniform factor in `[1 - spread, 1 + spread]`.
    pub fn jitter(&mut self, n: usize, spread: f64) -> usize {
        (n as f64 * (1.0 - spread + 2.0 * spread * self.unit())).round() as usize
    }

    /// A version-4 UUID made of generator bits.
    pub fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forks_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::fork(42, 7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::fork(42, 7).next_u64(), Rng::fork(42, 8).next_u64());
        assert_ne!(Rng::fork(42, 7).next_u64(), Rng::fork(43, 7).next_u64());
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::fork(1, 1);
        assert!((0..10_000).all(|_| r.below(40) < 40));
        let mut seen = [false; 40];
        (0..10_000).for_each(|_| seen[r.below(40)] = true);
        assert!(seen.iter().all(|s| *s));
    }
}
