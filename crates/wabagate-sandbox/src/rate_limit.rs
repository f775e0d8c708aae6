//! Meta's message rate limits (whatsapp-cloud-api.md §8): per business number throughput
//! and per (business number, customer) pair. Each is a keyed GCRA limiter (`governor`) on a
//! concurrent map, so a check touches one shard of one map and never a global lock.
//!
//! These limits run on real monotonic time, not the sandbox clock: a test that moves the
//! clock by a day has not waited a day for its rate limits.

use std::fmt;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};

/// When the map holds this many keys, entries whose allowance is fully restored (and so
/// equal to a fresh key) are dropped, bounding memory under load tests with many recipients.
const PRUNE_AT: usize = 100_000;

/// A keyed cell rate limiter: `burst` events at once, then one per `interval`.
pub struct RateLimiter<K: Eq + Hash + Clone> {
    /// `None`: no limit.
    limiter: Option<DefaultKeyedRateLimiter<K>>,
}

impl<K: Eq + Hash + Clone> fmt::Debug for RateLimiter<K> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("RateLimiter").field("limited", &self.limiter.is_some()).finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    /// `burst` events immediately, refilled at one per `interval`. A burst of 0 means no limit.
    pub fn new(burst: u32, interval: Duration) -> Self {
        let quota = NonZeroU32::new(burst)
            .zip(Quota::with_period(interval.max(Duration::from_nanos(1))))
            .map(|(burst, quota)| quota.allow_burst(burst));
        Self { limiter: quota.map(governor::RateLimiter::dashmap) }
    }

    /// `per_second` events per second with a burst of as many; 0 means no limit.
    pub fn per_second(per_second: u32) -> Self {
        let interval = if per_second == 0 { Duration::from_secs(1) } else { Duration::from_secs(1) / per_second };
        Self::new(per_second, interval)
    }

    /// Counts one event for `key`; `false` when it exceeds the limit (and is not counted).
    pub fn check(&self, key: &K) -> bool {
        let Some(limiter) = &self.limiter else { return true };
        if limiter.len() >= PRUNE_AT {
            limiter.retain_recent();
        }
        limiter.check_key(key).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_and_the_next_event_is_refused() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let key = "a".to_owned();
        assert!((0..3).all(|_| limiter.check(&key)));
        assert!(!limiter.check(&key));
        assert!(limiter.check(&"b".to_owned()), "other keys are unaffected");
    }

    #[test]
    fn a_zero_limit_is_no_limit() {
        let limiter = RateLimiter::per_second(0);
        assert!((0..10_000).all(|_| limiter.check(&1)));
    }

    #[test]
    fn the_allowance_refills_over_time() {
        let limiter = RateLimiter::new(1, Duration::from_millis(20));
        assert!(limiter.check(&1));
        assert!(!limiter.check(&1));
        std::thread::sleep(Duration::from_millis(25));
        assert!(limiter.check(&1));
    }
}
