//! When a failed call is tried again and how long to wait first: 429 and 5xx answers are
//! retried with exponential backoff and jitter, honouring `Retry-After`. Which calls may be retried at
//! all (idempotent ones, and sends only when asked) is decided by the caller of
//! [`RetryPolicy::delay_before_retry`].

use std::time::Duration;

/// How often and how patiently retryable calls are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub max_retries: u32,
    /// The wait before the first retry; it doubles for each further one. Each wait is
    /// jittered down to as little as half of it, so clients refused together do not all
    /// come back together.
    pub base_delay: Duration,
    /// The longest wait backoff alone will choose (before jitter).
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a server asking for more is not retried.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// The wait before retry number `retry` (0 for the first) after an answer with `status`,
    /// or `None` when the answer is final: not a 429/5xx, retries used up, or a
    /// `Retry-After` longer than [`RetryPolicy::max_retry_after`].
    pub fn delay_before_retry(&self, retry: u32, status: u16, retry_after: Option<Duration>) -> Option<Duration> {
        let retryable = status == 429 || (500..600).contains(&status);
        if !retryable || retry >= self.max_retries {
            return None;
        }
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(jittered(self.backoff(retry), rand::random::<f64>())),
        }
    }

    /// The exponential backoff before retry number `retry`, capped, before jitter.
    fn backoff(&self, retry: u32) -> Duration {
        self.base_delay.saturating_mul(2u32.saturating_pow(retry)).min(self.max_delay)
    }
}

/// "Equal jitter": half the backoff for sure, plus `fraction` (in `[0, 1)`) of the other half.
pub(crate) fn jittered(backoff: Duration, fraction: f64) -> Duration {
    let half = backoff / 2;
    half + half.mul_f64(fraction.clamp(0.0, 1.0))
}

/// Reads `Retry-After` in its delay-seconds form; the HTTP-date form (which neither the
/// gateway nor Meta sends) counts as absent.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy { max_retries: 10, ..RetryPolicy::default() };
        let backoffs: Vec<_> = (0..7).map(|retry| policy.backoff(retry)).collect();
        assert_eq!(backoffs[0], Duration::from_millis(250));
        assert_eq!(backoffs[1], Duration::from_millis(500));
        assert_eq!(backoffs[3], Duration::from_secs(2));
        assert_eq!(backoffs[6], Duration::from_secs(8));
    }

    #[test]
    fn each_wait_is_between_half_the_backoff_and_all_of_it() {
        let policy = RetryPolicy { max_retries: 10, ..RetryPolicy::default() };
        for retry in 0..7 {
            let backoff = policy.backoff(retry);
            let waits: Vec<_> = (0..200).map(|_| policy.delay_before_retry(retry, 503, None).unwrap()).collect();
            assert!(waits.iter().all(|wait| *wait >= backoff / 2 && *wait <= backoff), "{retry}: {waits:?}");
            assert!(waits.iter().any(|wait| *wait != waits[0]), "the waits vary");
        }
        assert_eq!(jittered(Duration::from_secs(2), 0.0), Duration::from_secs(1));
        assert_eq!(jittered(Duration::from_secs(2), 1.0), Duration::from_secs(2));
    }

    #[test]
    fn only_429_and_5xx_are_retried() {
        let policy = RetryPolicy::default();
        assert!(policy.delay_before_retry(0, 429, None).is_some());
        assert!(policy.delay_before_retry(0, 500, None).is_some());
        for status in [200, 400, 401, 404, 409] {
            assert_eq!(policy.delay_before_retry(0, status, None), None, "{status}");
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_its_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_before_retry(0, 429, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay_before_retry(0, 429, Some(Duration::from_secs(3600))), None);
    }

    #[test]
    fn retries_stop_after_the_maximum() {
        let policy = RetryPolicy::default();
        assert!(policy.delay_before_retry(2, 503, None).is_some());
        assert_eq!(policy.delay_before_retry(3, 503, None), None);
        assert_eq!(RetryPolicy::never().delay_before_retry(0, 503, None), None);
    }

    #[test]
    fn retry_after_seconds_are_parsed_and_dates_ignored() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
