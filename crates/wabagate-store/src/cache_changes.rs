//! Cache changes told as they commit. On PostgreSQL the cache-revision triggers (migration
//! 0006) also `pg_notify` the `wabagate_cache` channel; [`CacheChanges`] is one instance's
//! subscription to it, so a key revoked or a connection deleted through any instance is
//! forgotten by every other at once, not at the next poll. SQLite has no notifications
//! (its writers are processes on one machine); there the revision poll alone serves.

use sqlx::postgres::PgListener;

use crate::{Store, StoreResult};

/// The channel the triggers notify.
const CHANNEL: &str = "wabagate_cache";

/// A live subscription to cache changes (PostgreSQL's `LISTEN wabagate_cache`).
pub struct CacheChanges {
    listener: PgListener,
}

impl std::fmt::Debug for CacheChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheChanges")
    }
}

impl Store {
    /// Subscribes to cache changes, on a backend that notifies them (PostgreSQL); `None` on
    /// SQLite, where [`Store::cache_revision`] is polled instead.
    pub async fn listen_cache_changes(&self) -> StoreResult<Option<CacheChanges>> {
        Ok(self.listen_to(CHANNEL).await?.map(|listener| CacheChanges { listener }))
    }
}

impl CacheChanges {
    /// Waits for the next change: `Ok(true)` when one committed, `Ok(false)` when the
    /// connection was lost (it reconnects on the next call; changes made meanwhile were not
    /// told, so the caller should forget everything). An error means reconnecting failed.
    pub async fn changed(&mut self) -> StoreResult<bool> {
        Ok(self.listener.try_recv().await?.is_some())
    }
}
