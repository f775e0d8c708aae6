//! When a failed delivery is tried again. Meta retries with decreasing frequency for up to
//! 7 days and publishes no schedule (meta-oauth-and-webhooks.md §10.3); the default here
//! is the digest's suggestion: +15 s, +1 min, +4 min, … growing ×4, capped at 6 h apart,
//! 34 attempts (about 7 days). Tests shrink every number.

use std::time::Duration;

/// A capped exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait before the first retry (the second attempt).
    pub first_retry: Duration,
    /// How much each wait grows over the previous one.
    pub multiplier: u32,
    /// No wait is longer than this.
    pub max_interval: Duration,
    /// Attempts in all, the first included; at least one is always made.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(15),
            multiplier: 4,
            max_interval: Duration::from_secs(6 * 60 * 60),
            max_attempts: 34,
        }
    }
}

impl RetryPolicy {
    /// The wait before 1-based `attempt`: zero for the first, `None` past the last.
    pub fn delay_before(&self, attempt: u32) -> Option<Duration> {
        match attempt {
            0 => None,
            1 => Some(Duration::ZERO),
            _ if attempt > self.max_attempts.max(1) => None,
            _ => {
                let growth = self.multiplier.max(1).saturating_pow(attempt - 2);
                Some(self.first_retry.saturating_mul(growth).min(self.max_interval))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_grows_then_caps() {
        let policy = RetryPolicy::default();
        let minutes = |attempt| policy.delay_before(attempt).map(|delay: Duration| delay.as_secs());
        assert_eq!(minutes(1), Some(0));
        assert_eq!(minutes(2), Some(15));
        assert_eq!(minutes(3), Some(60));
        assert_eq!(minutes(4), Some(240));
        assert_eq!(minutes(8), Some(6 * 60 * 60));
        assert_eq!(minutes(34), Some(6 * 60 * 60));
        assert_eq!(minutes(35), None);
    }

    #[test]
    fn every_delay_stays_within_the_cap_even_for_huge_attempts() {
        let policy = RetryPolicy { max_attempts: u32::MAX, ..RetryPolicy::default() };
        for attempt in [2, 10, 40, 1_000, u32::MAX] {
            assert!(policy.delay_before(attempt).is_some_and(|delay| delay <= policy.max_interval));
        }
    }

    #[test]
    fn zero_attempts_still_allows_the_first() {
        let policy = RetryPolicy { max_attempts: 0, ..RetryPolicy::default() };
        assert_eq!(policy.delay_before(1), Some(Duration::ZERO));
        assert_eq!(policy.delay_before(2), None);
    }
}
