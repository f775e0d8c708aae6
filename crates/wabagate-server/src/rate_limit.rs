//! The per-account rate limit of the gateway: at most N requests in any rolling second,
//! in memory, so the check costs no I/O.
//!
//! Hand-written (a sliding log: the times of each account's last N requests) rather than a
//! GCRA limiter such as governor's: GCRA with rate N/s and burst N admits up to 2N−1
//! requests in a rolling second, while the contract is N per second, "the (N+1)-th request
//! within a second is refused". N timestamps per active account is a few hundred bytes.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use uuid::Uuid;

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct AccountRateLimit {
    limit: u32,
    /// Each account's admitted request times within the last window, oldest first.
    recent: DashMap<Uuid, Mutex<VecDeque<Instant>>>,
}

impl AccountRateLimit {
    /// A limiter allowing `per_second` requests in any rolling second per account; 0 allows
    /// everything.
    pub(crate) fn new(per_second: u32) -> Self {
        Self { limit: per_second, recent: DashMap::new() }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// `Ok` if the account may make a request now (and counts it), else how long until it may.
    pub(crate) fn check(&self, account_id: Uuid) -> Result<(), Duration> {
        self.check_at(account_id, Instant::now())
    }

    fn check_at(&self, account_id: Uuid, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let entry = self.recent.entry(account_id).or_default();
        let mut times = entry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while times.front().is_some_and(|admitted| now.duration_since(*admitted) >= WINDOW) {
            times.pop_front();
        }
        if times.len() < self.limit as usize {
            times.push_back(now);
            return Ok(());
        }
        // Full: the oldest admitted request leaves the window first.
        let oldest = times.front().copied().unwrap_or(now);
        Err(WINDOW.saturating_sub(now.duration_since(oldest)))
    }

    /// Drops the state of accounts that have been quiet for a window, so memory follows
    /// active accounts.
    pub(crate) fn forget_idle_accounts(&self) {
        let now = Instant::now();
        self.recent.retain(|_, times| {
            let times = times.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
            times.back().is_some_and(|latest| now.duration_since(*latest) < WINDOW)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_within_a_second_is_refused_and_told_to_wait() {
        let limit = AccountRateLimit::new(10);
        let account = Uuid::new_v4();
        let start = Instant::now();
        for request in 0..10u64 {
            assert_eq!(limit.check_at(account, start + Duration::from_millis(request * 90)), Ok(()));
        }
        // 900 ms in, ten requests already in this second: the eleventh waits for the first to age out.
        let wait = limit.check_at(account, start + Duration::from_millis(900)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        assert_eq!(limit.check_at(account, start + Duration::from_millis(1000)), Ok(()));
        assert_eq!(limit.check_at(Uuid::new_v4(), start), Ok(()), "accounts are limited separately");
    }

    #[test]
    fn no_rolling_second_ever_admits_more_than_the_limit() {
        let limit = AccountRateLimit::new(5);
        let account = Uuid::new_v4();
        let start = Instant::now();
        let admitted: Vec<Instant> = (0..400u64)
            .map(|step| start + Duration::from_millis(step * 7))
            .filter(|at| limit.check_at(account, *at).is_ok())
            .collect();
        for (index, first) in admitted.iter().enumerate() {
            let within = admitted[index..].iter().take_while(|at| at.duration_since(*first) < WINDOW).count();
            assert!(within <= 5, "{within} requests admitted within one second");
        }
        assert!(admitted.len() >= 5 * 2, "the limit admits again once the window moves");
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limit = AccountRateLimit::new(0);
        let account = Uuid::new_v4();
        assert!((0..1000).all(|_| limit.check(account).is_ok()));
    }
}
