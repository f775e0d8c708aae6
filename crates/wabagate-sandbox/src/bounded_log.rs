//! A fixed-size log of the most recent entries, written concurrently without a global lock:
//! each writer claims a slot with one atomic increment and locks only that slot.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct BoundedLog<T> {
    slots: Vec<Mutex<Option<(u64, T)>>>,
    written: AtomicU64,
}

impl<T: Clone> BoundedLog<T> {
    /// A log keeping the last `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self { slots: (0..capacity.max(1)).map(|_| Mutex::new(None)).collect(), written: AtomicU64::new(0) }
    }

    pub fn push(&self, entry: T) {
        let sequence = self.written.fetch_add(1, Ordering::Relaxed);
        let index = usize::try_from(sequence % self.slots.len() as u64).unwrap_or(0);
        // A poisoned slot only means a writer panicked mid-assignment; the slot is still usable.
        let mut slot = self.slots[index].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some((sequence, entry));
    }

    /// The kept entries, oldest first.
    pub fn entries(&self) -> Vec<T> {
        let mut entries: Vec<(u64, T)> = self
            .slots
            .iter()
            .filter_map(|slot| slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone())
            .collect();
        entries.sort_by_key(|(sequence, _)| *sequence);
        entries.into_iter().map(|(_, entry)| entry).collect()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        for slot in &self.slots {
            *slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_most_recent_entries_are_kept_in_order() {
        let log = BoundedLog::new(3);
        for value in 1..=5 {
            log.push(value);
        }
        assert_eq!(log.entries(), [3, 4, 5]);
        log.clear();
        assert!(log.entries().is_empty());
    }
}
