//! What a sandbox can be told at start: where to keep state, how Meta's reviewers and
//! rate limits behave. Defaults are Meta's documented behaviour.

use std::path::PathBuf;

use crate::webhooks::DeliverySettings;
use std::time::Duration;

use wabagate_model::limits::{PAIR_RATE_BURST, PAIR_RATE_PERIOD_SECONDS, THROUGHPUT_STANDARD_PER_SECOND};

/// Settings of one sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Load state from this file at start (if it exists) and save it on shutdown.
    pub state_file: Option<PathBuf>,
    /// The origin handed out in media download URLs and paging links. Defaults to
    /// `http://{listen address}`.
    pub public_url: Option<String>,
    /// How long a new template stays `PENDING` before review decides (sandbox clock).
    pub template_approval_delay: Duration,
    /// Templates whose name contains this text are `REJECTED` instead of approved, so
    /// rejection can be tested. `None` approves everything.
    pub template_reject_marker: Option<String>,
    /// Enforce Meta's rule that variables in templates come with example values (off by
    /// default: the hosted product's own create example has none).
    pub require_template_examples: bool,
    /// Messages per second per business number before 130429; 0 turns the limit off.
    pub throughput_per_second: u32,
    /// The business-number → customer pair rate (131056).
    pub pair_rate: PairRate,
    /// Answer free-form sends outside the 24-hour window with a synchronous 131047 instead
    /// of Meta's usual 200 followed by a `failed` status webhook.
    pub window_errors_sync: bool,
    /// Recipients whose `wa_id` starts with this prefix are not on WhatsApp: their sends are
    /// accepted and then fail with 131026, as Meta reports it.
    pub undeliverable_prefix: Option<String>,
    /// How many accepted sends `GET /__sandbox/messages` remembers.
    pub sent_log_capacity: usize,
    /// How many requests the recorder remembers.
    pub recorder_capacity: usize,
    /// How often a changed state is written to `state_file` (besides at shutdown), so a
    /// crash loses at most this much.
    pub autosave_interval: Duration,
    /// Timing and retries of webhook deliveries.
    pub webhook_delivery: DeliverySettings,
}

/// Meta's pair rate limit: `burst` messages at once, then one per `period`. A burst of 0
/// turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairRate {
    pub burst: u32,
    pub period: Duration,
}

impl Default for PairRate {
    fn default() -> Self {
        Self { burst: PAIR_RATE_BURST, period: Duration::from_secs(PAIR_RATE_PERIOD_SECONDS) }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            state_file: None,
            public_url: None,
            template_approval_delay: Duration::from_secs(10),
            template_reject_marker: Some("reject".into()),
            require_template_examples: false,
            throughput_per_second: THROUGHPUT_STANDARD_PER_SECOND,
            pair_rate: PairRate::default(),
            window_errors_sync: false,
            undeliverable_prefix: Some("999".into()),
            sent_log_capacity: 10_000,
            recorder_capacity: 1_000,
            autosave_interval: Duration::from_secs(2),
            webhook_delivery: DeliverySettings::default(),
        }
    }
}
