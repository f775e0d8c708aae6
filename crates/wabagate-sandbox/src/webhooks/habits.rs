//! Meta's worst delivery habits, on demand, so receivers can be tested against them
//! (`GET|POST /__sandbox/webhooks/mode`, `POST /__sandbox/webhooks/release`):
//!
//! - **duplicate**: the next N notifications are each POSTed twice, byte for byte.
//! - **reorder**: status notifications are held until released, then go out newest first
//!   (`reverse`) or in a random order (`shuffle`).
//! - **batch**: notifications wait until N items are pending, then go out as one POST
//!   with several entries, changes and items, as Meta batches them.
//!
//! The deliverer asks [`DeliveryHabits::admit`] what to POST for each fresh notification;
//! [`DeliveryHabits::release`] hands back what was held. Holding is bounded: past
//! [`MAX_HELD`] notifications, the oldest held ones are let go in their order.

use std::sync::Mutex;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::payload::Notification;

/// The most notifications held for reordering or batching at once.
pub const MAX_HELD: usize = 1_000;

/// The order held status notifications are released in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reorder {
    /// Newest first: `read` before `delivered` before `sent`.
    Reverse,
    /// A random order.
    Shuffle,
}

/// The habits in force. The default is a well-behaved Meta: each notification once, at
/// its time, alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HabitMode {
    /// How many of the next notifications are each delivered twice.
    #[serde(default)]
    pub duplicate: u32,
    /// Hold status notifications until `POST /__sandbox/webhooks/release`. `true` is
    /// `reverse`, `false` is off.
    #[serde(default, deserialize_with = "reorder_setting")]
    pub reorder: Option<Reorder>,
    /// Deliver notifications in POSTs of this many items (0 or 1: one by one).
    #[serde(default)]
    pub batch: u32,
}

/// `"reverse"`, `"shuffle"`, `true` (reverse), `false` or `null` (off).
fn reorder_setting<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Reorder>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Setting {
        Flag(bool),
        Order(Reorder),
    }
    Ok(match Option::<Setting>::deserialize(deserializer)? {
        Some(Setting::Order(order)) => Some(order),
        Some(Setting::Flag(true)) => Some(Reorder::Reverse),
        Some(Setting::Flag(false)) | None => None,
    })
}

/// One POST to make: a notification, and whether to make it twice.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub notification: Notification,
    pub copies: u8,
}

/// What [`DeliveryHabits::mode`] reports: the mode, with what is pending under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModeView {
    #[serde(flatten)]
    pub mode: HabitMode,
    /// Status notifications held for reordering.
    pub held: usize,
    /// Items waiting for their batch to fill.
    pub batching: usize,
}

#[derive(Debug, Default)]
struct Pending {
    mode: HabitMode,
    held: Vec<Notification>,
    batch: Vec<Notification>,
}

/// The webhook side's habits and what they hold back. One small lock: it is taken once
/// per notification.
#[derive(Debug, Default)]
pub struct DeliveryHabits {
    pending: Mutex<Pending>,
}

impl DeliveryHabits {
    pub fn mode(&self) -> ModeView {
        let pending = self.lock();
        ModeView {
            mode: pending.mode.clone(),
            held: pending.held.len(),
            batching: pending.batch.iter().map(Notification::item_count).sum(),
        }
    }

    /// Sets the habits. Whatever the new mode no longer holds is handed back to deliver:
    /// held statuses when `reorder` is turned off (in their order), a partial batch when
    /// `batch` shrinks.
    pub fn set_mode(&self, mode: HabitMode) -> Vec<Outgoing> {
        let mut pending = self.lock();
        pending.mode = mode;
        let mut released = Vec::new();
        if pending.mode.reorder.is_none() {
            let held = std::mem::take(&mut pending.held);
            released.extend(held.into_iter().flat_map(|notification| pending.batched(notification)));
        }
        if pending.batch.iter().map(Notification::item_count).sum::<usize>() >= pending.batch_size() {
            released.extend(pending.flush_batch());
        }
        pending.with_copies(released)
    }

    /// What to POST now for a fresh notification: nothing while it is held, or it (or the
    /// batch it completes), marked to be sent twice while `duplicate` lasts.
    pub fn admit(&self, notification: Notification) -> Vec<Outgoing> {
        let mut pending = self.lock();
        if pending.mode.reorder.is_some() && notification.is_status() {
            pending.held.push(notification);
            let overflow = pending.held.len().saturating_sub(MAX_HELD);
            let let_go: Vec<Notification> = pending.held.drain(..overflow).collect();
            let outgoing = let_go.into_iter().flat_map(|notification| pending.batched(notification)).collect();
            return pending.with_copies(outgoing);
        }
        let outgoing = pending.batched(notification);
        pending.with_copies(outgoing)
    }

    /// Lets go of everything held: the held statuses in the `reorder` order (through
    /// batching, so reorder and batch combine into one reordered POST), then any partial
    /// batch.
    pub fn release(&self) -> Vec<Outgoing> {
        let mut pending = self.lock();
        let mut held = std::mem::take(&mut pending.held);
        match pending.mode.reorder {
            Some(Reorder::Reverse) => held.reverse(),
            Some(Reorder::Shuffle) => held.shuffle(&mut rand::thread_rng()),
            None => {}
        }
        let mut released: Vec<Notification> =
            held.into_iter().flat_map(|notification| pending.batched(notification)).collect();
        released.extend(pending.flush_batch());
        pending.with_copies(released)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Pending {
    fn batch_size(&self) -> usize {
        usize::try_from(self.mode.batch).unwrap_or(usize::MAX).max(1)
    }

    /// Adds to the pending batch and returns what is ready: a notification that cannot
    /// share a POST with the pending ones flushes them first.
    fn batched(&mut self, notification: Notification) -> Vec<Notification> {
        if self.batch_size() == 1 {
            return vec![notification];
        }
        let mut ready = Vec::new();
        if self.batch.first().is_some_and(|first| !first.can_batch_with(&notification)) {
            ready.extend(self.flush_batch());
        }
        self.batch.push(notification);
        let items: usize = self.batch.iter().map(Notification::item_count).sum();
        if items >= self.batch_size() || self.batch.len() >= MAX_HELD {
            ready.extend(self.flush_batch());
        }
        ready
    }

    fn flush_batch(&mut self) -> Option<Notification> {
        Notification::batch(std::mem::take(&mut self.batch))
    }

    /// Marks the first of `notifications` to go twice while `duplicate` lasts.
    fn with_copies(&mut self, notifications: Vec<Notification>) -> Vec<Outgoing> {
        notifications
            .into_iter()
            .map(|notification| {
                let twice = self.mode.duplicate > 0;
                self.mode.duplicate = self.mode.duplicate.saturating_sub(1);
                Outgoing { notification, copies: if twice { 2 } else { 1 } }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::json_encoding::{BodyEncoding, encode};
    use crate::webhooks::payload::template_status;

    fn approved(waba_id: &str) -> Notification {
        template_status(waba_id, 1, "1", "t", "en_US", "APPROVED", None)
    }

    fn json(notification: &Notification) -> serde_json::Value {
        serde_json::from_slice(&encode(notification, BodyEncoding::RawUtf8)).unwrap()
    }

    #[test]
    fn a_notification_of_another_waba_flushes_the_pending_batch_first() {
        let habits = DeliveryHabits::default();
        habits.set_mode(HabitMode { batch: 3, ..HabitMode::default() });
        assert!(habits.admit(approved("1")).is_empty());
        assert!(habits.admit(approved("1")).is_empty());
        let flushed = habits.admit(approved("2"));
        assert_eq!(flushed.len(), 1);
        let body = json(&flushed[0].notification);
        assert_eq!(body["entry"].as_array().unwrap().len(), 1, "one WABA per POST");
        assert_eq!(body["entry"][0]["changes"].as_array().unwrap().len(), 2, "template updates stay separate changes");
        assert_eq!(habits.mode().batching, 1);
    }

    #[test]
    fn duplicates_are_counted_down_per_post() {
        let habits = DeliveryHabits::default();
        habits.set_mode(HabitMode { duplicate: 2, ..HabitMode::default() });
        let copies: Vec<u8> =
            (0..3).flat_map(|_| habits.admit(approved("1"))).map(|outgoing| outgoing.copies).collect();
        assert_eq!(copies, [2, 2, 1]);
    }
}
