//! The sandbox's clock: wall time plus an offset that tests move forward through the
//! control API, so token expiry and template approval delays can be tested without
//! waiting. Nothing in the sandbox reads the system clock except through this type.

use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

/// Wall time shifted by a monotonically growing offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// The sandbox's current time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// The sandbox's current time as a Unix timestamp in seconds (Meta's unit for
    /// `expires_at`, `timestamp` and friends).
    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves time forward; the clock never goes back, as a token once expired must stay so.
    pub fn advance(&self, seconds: u64) {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }

    /// How far the clock has been moved, in seconds.
    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }
}
