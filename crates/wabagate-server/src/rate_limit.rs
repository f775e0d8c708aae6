//! The per-account rate limit of the gateway: a GCRA limiter (governor) keyed by account,
//! in memory, so the check costs no I/O. N requests per second with a burst of N: the
//! (N+1)-th request within a second is refused with the time to wait.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

#[derive(Debug)]
pub(crate) struct AccountRateLimit {
    limit: u32,
    limiter: Option<DefaultKeyedRateLimiter<Uuid>>,
}

impl AccountRateLimit {
    /// A limiter allowing `per_second` requests per second per account; 0 allows everything.
    pub(crate) fn new(per_second: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| RateLimiter::keyed(Quota::per_second(rate)));
        Self { limit: per_second, limiter }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// `Ok` if the account may make a request now, else how long until it may.
    pub(crate) fn check(&self, account_id: Uuid) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&account_id).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Drops the state of accounts that have been quiet, so memory follows active accounts.
    pub(crate) fn forget_idle_accounts(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_burst_is_refused_and_told_to_wait() {
        let limit = AccountRateLimit::new(10);
        let account = Uuid::new_v4();
        for _ in 0..10 {
            assert_eq!(limit.check(account), Ok(()));
        }
        let wait = limit.check(account).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(100), "{wait:?}");
        assert_eq!(limit.check(Uuid::new_v4()), Ok(()), "accounts are limited separately");
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limit = AccountRateLimit::new(0);
        let account = Uuid::new_v4();
        assert!((0..1000).all(|_| limit.check(account).is_ok()));
    }
}
