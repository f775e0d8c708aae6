//! A bounded record of delivery attempts (URL, field, attempt number, outcome), served at
//! `GET /__sandbox/webhooks/deliveries` so a tester can see what "Meta" sent and how the
//! receiver answered. It never records bodies or secrets.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// How many attempts are kept; older ones are dropped first.
const CAPACITY: usize = 1_000;

/// One POST of one notification to one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// Shared by all attempts of the same notification to the same app.
    pub delivery_id: u64,
    pub app_id: String,
    pub field: &'static str,
    pub url: String,
    /// 1 for the first try.
    pub attempt: u32,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// A transport error, if it did not.
    pub error: Option<String>,
    pub succeeded: bool,
    /// Sandbox time, Unix seconds.
    pub at: i64,
    /// Set when this POST repeats delivery `redelivery_of` byte for byte (a duplicate or
    /// a redelivery asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivery_of: Option<u64>,
}

#[derive(Debug, Default)]
pub struct DeliveryLog {
    attempts: Mutex<VecDeque<DeliveryAttempt>>,
    next_delivery_id: AtomicU64,
}

impl DeliveryLog {
    /// A new id for a notification about to be delivered to one app.
    pub fn next_delivery_id(&self) -> u64 {
        self.next_delivery_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn record(&self, attempt: DeliveryAttempt) {
        let mut attempts = self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if attempts.len() == CAPACITY {
            attempts.pop_front();
        }
        attempts.push_back(attempt);
    }

    /// Every kept attempt, oldest first.
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
    }
}
