//! The hot path's caches: API keys and connection lists are served from memory and asked of
//! the store again once they are older than the TTL.
//!
//! Built on moka: bounded, with TinyLFU admission, so a flood of new entries cannot push out
//! the ones in use. The TTL is the contract: an entry is never served past it, so a key
//! revoked by another process stops working within one TTL. Keys the store does not know live
//! in a cache of their own, small, so made-up keys (cheap to mint with a valid checksum) never
//! compete with real ones for room.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use uuid::Uuid;
use wabagate_store::{Account, ApiKeyHash, GatewayConnection};

/// Known keys kept at most: far more than a gateway's live keys.
const KNOWN_KEYS: u64 = 100_000;
/// Unknown keys kept at most: enough to spare the store a client that retries a revoked key.
const UNKNOWN_KEYS: u64 = 10_000;
/// Accounts whose connection lists are kept at most.
const CONNECTION_LISTS: u64 = 100_000;

pub(crate) struct KeyCache {
    known: Cache<ApiKeyHash, Account>,
    unknown: Cache<ApiKeyHash, ()>,
}

impl KeyCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            known: Cache::builder().max_capacity(KNOWN_KEYS).time_to_live(ttl).build(),
            unknown: Cache::builder().max_capacity(UNKNOWN_KEYS).time_to_live(ttl).build(),
        }
    }

    /// `Some(Some(account))` for a known key, `Some(None)` for a key the store did not know,
    /// `None` when the store must be asked.
    pub(crate) fn get(&self, hash: &ApiKeyHash) -> Option<Option<Account>> {
        match self.known.get(hash) {
            Some(account) => Some(Some(account)),
            None => self.unknown.get(hash).map(|()| None),
        }
    }

    pub(crate) fn insert(&self, hash: ApiKeyHash, account: Option<Account>) {
        match account {
            Some(account) => self.known.insert(hash, account),
            None => self.unknown.insert(hash, ()),
        }
    }

    /// Forgets every key, for changes whose keys are not at hand (a revoked key).
    pub(crate) fn clear(&self) {
        self.known.invalidate_all();
        self.unknown.invalidate_all();
    }
}

/// Counts only: the entries are secrets' neighbours and there may be many.
impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("known", &self.known.entry_count())
            .field("unknown", &self.unknown.entry_count())
            .finish()
    }
}

/// Account → all its connections with tokens opened.
pub(crate) struct ConnectionCache(Cache<Uuid, Arc<[GatewayConnection]>>);

impl ConnectionCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self(Cache::builder().max_capacity(CONNECTION_LISTS).time_to_live(ttl).build())
    }

    pub(crate) fn get(&self, account_id: &Uuid) -> Option<Arc<[GatewayConnection]>> {
        self.0.get(account_id)
    }

    pub(crate) fn insert(&self, account_id: Uuid, connections: Arc<[GatewayConnection]>) {
        self.0.insert(account_id, connections);
    }

    /// Forgets an account's list at once, for changes made by this process.
    pub(crate) fn remove(&self, account_id: &Uuid) {
        self.0.invalidate(account_id);
    }
}

impl fmt::Debug for ConnectionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionCache").field("accounts", &self.0.entry_count()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_not_served_past_their_ttl() {
        let cache = ConnectionCache::new(Duration::from_millis(20));
        let id = Uuid::new_v4();
        cache.insert(id, Arc::from([]));
        assert!(cache.get(&id).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get(&id).is_none());
    }

    #[test]
    fn removed_entries_are_gone_at_once() {
        let cache = ConnectionCache::new(Duration::from_secs(60));
        let id = Uuid::new_v4();
        cache.insert(id, Arc::from([]));
        cache.remove(&id);
        assert!(cache.get(&id).is_none());
    }
}
