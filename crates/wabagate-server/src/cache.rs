//! A small time-bounded cache for the hot path: API keys and connection lists are served
//! from memory and asked of the store again once they are older than the TTL.
//!
//! Hand-written rather than a cache crate because the need is tiny (get, insert, remove,
//! a size bound) and the TTL is the whole contract: an entry is never served past it, so a
//! key revoked by another process stops working within one TTL.

use std::hash::Hash;
use std::time::{Duration, Instant};

use dashmap::DashMap;

/// Entries kept at most; past it the cache starts over (a crude bound against floods of
/// distinct keys, which cost one store lookup each anyway).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
pub(crate) struct TtlCache<K: Eq + Hash, V: Clone> {
    ttl: Duration,
    entries: DashMap<K, (Instant, V)>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self { ttl, entries: DashMap::new() }
    }

    /// The cached value, if it is younger than the TTL.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let entry = self.entries.get(key)?;
        let (stored_at, value) = entry.value();
        (stored_at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(key, (Instant::now(), value));
    }

    /// Forgets a key at once, for changes made by this process.
    pub(crate) fn remove(&self, key: &K) {
        self.entries.remove(key);
    }

    /// Forgets everything, for changes whose keys are not at hand (a revoked key).
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_not_served_past_their_ttl() {
        let cache = TtlCache::new(Duration::from_millis(20));
        cache.insert("k", 1);
        assert_eq!(cache.get(&"k"), Some(1));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn removed_entries_are_gone_at_once() {
        let cache = TtlCache::new(Duration::from_secs(60));
        cache.insert("k", 1);
        cache.remove(&"k");
        assert_eq!(cache.get(&"k"), None);
    }
}
