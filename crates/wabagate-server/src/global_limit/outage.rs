//! Whether Redis answers: the state the limiter reads before asking it, one warning per
//! outage (not one per request), the `/metrics` series, and the watcher that probes a lost
//! Redis with backoff until it answers, so recovery needs no restart.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::Notify;

use super::sliding_log::{SlidingLog, Unreachable};
use crate::metrics::Metrics;

/// How long a probe (or a connection attempt) may take. Longer than a request's call
/// timeout: nobody waits on a probe.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// The watcher's pause after a failed probe: doubling from the first to the last, jittered.
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(2);

/// Who decides a gateway request's rate limit now: the label of `wabagate_rate_limit_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum Mode {
    /// No `--redis-url`: this process's own limiter.
    local,
    /// Redis answers: one limit shared by every instance.
    redis,
    /// Redis does not answer: this process's limiter in its place (fail-open).
    local_fallback,
    /// Redis does not answer and the limit fails closed: gateway requests get 503.
    refusing,
}

impl Mode {
    const ALL: [Self; 4] = [Self::local, Self::redis, Self::local_fallback, Self::refusing];
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ModeLabels {
    mode: Mode,
}

/// `wabagate_rate_limit_mode{mode}` (1 for the mode in force, 0 for the others) and
/// `wabagate_rate_limit_redis_errors_total`.
#[derive(Debug)]
pub(super) struct LimitMetrics {
    modes: Family<ModeLabels, Gauge>,
    redis_errors: Counter,
}

impl LimitMetrics {
    pub(super) fn register(metrics: &Metrics, mode: Mode) -> Self {
        let modes = Family::<ModeLabels, Gauge>::default();
        metrics.register(
            "rate_limit_mode",
            "Who decides the per-account rate limit now: 1 for the mode in force",
            modes.clone(),
        );
        let redis_errors = Counter::default();
        metrics.register(
            "rate_limit_redis_errors",
            "Calls to the rate limit's Redis that failed or timed out",
            redis_errors.clone(),
        );
        let limit_metrics = Self { modes, redis_errors };
        limit_metrics.show(mode);
        limit_metrics
    }

    fn show(&self, current: Mode) {
        for mode in Mode::ALL {
            self.modes.get_or_create(&ModeLabels { mode }).set(i64::from(mode == current));
        }
    }
}

const CONNECTING: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

#[derive(Debug)]
pub(super) struct Outage {
    /// `CONNECTING` until the first probe, then `UP` or `DOWN`.
    state: AtomicU8,
    /// Wakes the watcher when a request found Redis gone.
    lost: Notify,
    /// What answers while Redis does not: `local_fallback` or `refusing`.
    fallback: Mode,
    metrics: LimitMetrics,
}

impl Outage {
    /// Until the first probe answers, requests are decided as in an outage (without a
    /// warning), so `metrics` starts at `fallback`.
    pub(super) fn new(fallback: Mode, metrics: LimitMetrics) -> Self {
        Self { state: AtomicU8::new(CONNECTING), lost: Notify::new(), fallback, metrics }
    }

    pub(super) fn redis_answers(&self) -> bool {
        self.state.load(Ordering::Relaxed) == UP
    }

    /// A call failed: warn if this starts an outage, and wake the watcher.
    pub(super) fn lost(&self, error: &Unreachable) {
        self.metrics.redis_errors.inc();
        if self.state.swap(DOWN, Ordering::Relaxed) != DOWN {
            match self.fallback {
                Mode::refusing => tracing::warn!(
                    target: "wabagate::rate_limit",
                    error = %error,
                    "Redis does not answer: gateway requests get 503 (--rate-limit-fail-closed) until it does"
                ),
                _ => tracing::warn!(
                    target: "wabagate::rate_limit",
                    error = %error,
                    "Redis does not answer: each instance applies the rate limit on its own until it does"
                ),
            }
            self.metrics.show(self.fallback);
            self.lost.notify_one();
        }
    }

    /// A call succeeded: the limit is global again.
    pub(super) fn restored(&self) {
        if self.state.swap(UP, Ordering::Relaxed) == DOWN {
            tracing::info!(target: "wabagate::rate_limit", "Redis answers again: the rate limit is global again");
        }
        self.metrics.show(Mode::redis);
    }

    /// Runs for the server's life: probes Redis (loading the script) at start, and after
    /// each loss until it answers, backing off from 100 ms to 2 s.
    pub(super) async fn watch(&self, log: &SlidingLog) {
        loop {
            let mut retry = FIRST_RETRY;
            while !self.redis_answers() {
                match log.load_script(PROBE_TIMEOUT).await {
                    Ok(()) => self.restored(),
                    Err(error) => {
                        self.lost(&error);
                        // Jittered, so instances that lost one Redis do not probe it in step.
                        tokio::time::sleep(retry.mul_f64(0.5 + rand::random::<f64>() / 2.0)).await;
                        retry = (retry * 2).min(LAST_RETRY);
                    }
                }
            }
            self.lost.notified().await;
        }
    }
}
