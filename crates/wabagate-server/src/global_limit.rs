//! The per-account rate limit as the gateway's routes call it: this process's sliding log
//! (`rate_limit`), or with `--redis-url` one log per account in Redis shared by every
//! instance, so that all of them together admit at most N requests in any rolling second.
//!
//! Redis is asked once per request, with a short timeout. When it does not answer, the
//! limit fails open (the local limiter decides, a warning is logged once, `/metrics` shows
//! it) unless it is configured to fail closed (503 `rate_limit_unavailable`); requests stop
//! asking Redis until `outage`'s watcher sees it answer again. Without `--redis-url` no
//! Redis code runs: the check is the local one. `rediss://` is Redis over TLS (`tls`).

mod outage;
mod sliding_log;
mod tls;

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

use self::outage::{LimitMetrics, Mode, Outage};
use self::sliding_log::SlidingLog;
use crate::metrics::Metrics;
use crate::rate_limit::AccountRateLimit;

pub use self::tls::InvalidRedisCa;

/// The rolling window of the contract: N requests in any rolling second.
const WINDOW: Duration = Duration::from_secs(1);

/// The limit shared through Redis (`--redis-url`), as configured.
#[derive(Clone)]
pub struct GlobalRateLimit {
    client: redis::Client,
    /// The URL without its password, for logs and `Debug`.
    shown: String,
    /// Answer 503 rather than fall back to the local limit while Redis does not answer.
    pub fail_closed: bool,
    /// The longest one request waits for Redis's verdict.
    pub call_timeout: Duration,
}

impl GlobalRateLimit {
    /// The default wait for Redis's verdict: far above a healthy round trip in one network,
    /// far below what a caller would notice.
    pub const CALL_TIMEOUT: Duration = Duration::from_millis(100);

    /// A Redis URL: `redis://[:PASSWORD@]HOST[:PORT][/DB]`, `rediss://…` (over TLS, the
    /// server verified against the system's roots) or `unix:///PATH/redis.sock`.
    pub fn new(redis_url: &str) -> Result<Self, InvalidRedisUrl> {
        tls::refuse_insecure(redis_url)?;
        let client = redis::Client::open(redis_url).map_err(|error| InvalidRedisUrl(error.to_string()))?;
        let shown = match url::Url::parse(redis_url) {
            Ok(mut url) => {
                let _ = url.set_password(None);
                let _ = url.set_username("");
                url.to_string()
            }
            Err(_) => "(unparsed)".to_owned(),
        };
        Ok(Self { client, shown, fail_closed: false, call_timeout: Self::CALL_TIMEOUT })
    }

    /// Verifies a `rediss://` server against the certificates of this PEM file (a private CA)
    /// instead of the system's roots.
    pub fn trusting_only(mut self, ca_pem: Vec<u8>) -> Result<Self, InvalidRedisCa> {
        self.client = tls::trusting_only(&self.client, ca_pem)?;
        Ok(self)
    }
}

impl fmt::Debug for GlobalRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalRateLimit")
            .field("redis", &self.shown)
            .field("fail_closed", &self.fail_closed)
            .field("call_timeout", &self.call_timeout)
            .finish()
    }
}

/// A Redis URL the `redis` crate cannot use (the message never repeats the URL, which may
/// hold a password).
#[derive(Debug, thiserror::Error)]
#[error("not a usable Redis URL (redis://[:PASSWORD@]HOST[:PORT][/DB], rediss://… or unix:///PATH): {0}")]
pub struct InvalidRedisUrl(String);

/// Why a request may not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Over the limit: retry after this long.
    Wait(Duration),
    /// Redis does not answer and the limit fails closed.
    Unavailable,
}

/// What `/readyz` says of the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Local, or Redis answers.
    Ready,
    /// Redis does not answer; the local limit stands in (fail-open), so the instance serves.
    Degraded,
    /// Redis does not answer and the limit fails closed: every gateway request gets 503.
    Unavailable,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    local: AccountRateLimit,
    global: Option<Global>,
}

#[derive(Debug)]
struct Global {
    log: SlidingLog,
    outage: Outage,
    fail_closed: bool,
}

impl RateLimiter {
    /// `per_second` requests in any rolling second per account (0: no limit), shared through
    /// Redis when `global` is set.
    pub(crate) fn new(per_second: u32, global: Option<&GlobalRateLimit>, metrics: &Metrics) -> Self {
        let local = AccountRateLimit::new(per_second);
        // No limit needs no Redis.
        let log = global
            .filter(|_| per_second > 0)
            .map(|config| (config, SlidingLog::new(config.client.clone(), per_second, config.call_timeout)));
        let (config, log) = match log {
            Some((config, Ok(log))) => (config, log),
            Some((_, Err(error))) => {
                // The URL was accepted already; only a client the crate cannot build gets here.
                tracing::error!(target: "wabagate::rate_limit", error = %error, "the Redis connection could not be set up; the rate limit is per instance");
                LimitMetrics::register(metrics, Mode::local);
                return Self { local, global: None };
            }
            None => {
                LimitMetrics::register(metrics, Mode::local);
                return Self { local, global: None };
            }
        };
        let fallback = if config.fail_closed { Mode::refusing } else { Mode::local_fallback };
        let outage = Outage::new(fallback, LimitMetrics::register(metrics, fallback));
        Self { local, global: Some(Global { log, outage, fail_closed: config.fail_closed }) }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.local.limit()
    }

    /// `Ok` if the account may make a request now (and counts it).
    pub(crate) async fn check(&self, account_id: Uuid) -> Result<(), Refusal> {
        let Some(global) = &self.global else {
            return self.local.check(account_id).map_err(Refusal::Wait);
        };
        if global.outage.redis_answers() {
            match global.log.check(account_id).await {
                Ok(verdict) => return verdict.map_err(Refusal::Wait),
                Err(error) => global.outage.lost(&error),
            }
        }
        if global.fail_closed {
            return Err(Refusal::Unavailable);
        }
        self.local.check(account_id).map_err(Refusal::Wait)
    }

    /// Asks Redis now, within a request's call timeout, for `/readyz`.
    pub(crate) async fn readiness(&self) -> Readiness {
        let Some(global) = &self.global else { return Readiness::Ready };
        match global.log.ping(global.log.call_timeout()).await {
            Ok(()) => {
                global.outage.restored();
                Readiness::Ready
            }
            Err(error) => {
                global.outage.lost(&error);
                if global.fail_closed { Readiness::Unavailable } else { Readiness::Degraded }
            }
        }
    }

    /// Runs for the server's life when Redis is configured: connects, and after each loss
    /// probes until Redis answers again.
    pub(crate) async fn watch(&self) {
        match &self.global {
            Some(global) => global.outage.watch(&global.log).await,
            None => std::future::pending().await,
        }
    }

    /// Drops the local state of accounts that have been quiet for a window.
    pub(crate) fn forget_idle_accounts(&self) {
        self.local.forget_idle_accounts();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redis_password_never_shows() {
        let global = GlobalRateLimit::new("redis://:hunter2@127.0.0.1:6379/2").unwrap();
        let shown = format!("{global:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("redis://127.0.0.1:6379/2"), "{shown}");
        let refused = GlobalRateLimit::new("postgres://user:hunter2@db/wabagate").unwrap_err();
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
        let insecure = GlobalRateLimit::new("rediss://:hunter2@cache.internal:6380/#insecure").unwrap_err();
        assert!(insecure.to_string().contains("would accept any certificate"), "{insecure}");
        assert!(!insecure.to_string().contains("hunter2"), "{insecure}");
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate_and_go_with_rediss() {
        let tls = GlobalRateLimit::new("rediss://:hunter2@cache.internal:6380").unwrap();
        let empty = tls.clone().trusting_only(b"not a certificate".to_vec()).unwrap_err();
        assert!(empty.to_string().contains("no PEM certificate"), "{empty}");
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec();
        let plain = GlobalRateLimit::new("redis://:hunter2@cache.internal:6379").unwrap();
        let refused = plain.trusting_only(pem).unwrap_err();
        assert!(refused.to_string().contains("for a rediss:// URL"), "{refused}");
        assert!(!format!("{empty} {refused}").contains("hunter2"));
    }
}
