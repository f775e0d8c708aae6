//! Cache changes told as they commit. On PostgreSQL the cache-revision triggers (migration
//! 0006) also `pg_notify` the `wabagate_cache` channel; [`CacheChanges`] is one instance's
//! subscription to it, so a key revoked or a connection deleted through any instance is
//! forgotten by every other at once, not at the next poll. SQLite has no notifications
//! (its writers are processes on one machine); there the revision poll alone serves.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::{Dialect, Store, StoreResult};

/// The channel the triggers notify.
const CHANNEL: &str = "wabagate_cache";

/// How long (re)connecting the listener may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

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
        if self.dialect != Dialect::Postgres {
            return Ok(None);
        }
        // Its own single connection, outside the store's pool: LISTEN holds it for good.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy(self.url.expose())?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(CacheChanges { listener }))
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
