//! New events told as they commit. On PostgreSQL the transaction that publishes an event
//! also notifies the `wabagate_events` channel (delivered once per transaction, at its
//! commit); [`EventNotices`] is one instance's subscription to it, so every instance's
//! delivery worker and open event streams wake at once for what another instance published,
//! not at their next poll. SQLite has no notifications; there the polls alone serve.

use sqlx::AnyConnection;
use sqlx::postgres::PgListener;

use crate::{Dialect, Store, StoreResult};

/// The channel publishing transactions notify.
const CHANNEL: &str = "wabagate_events";

/// A live subscription to published events (PostgreSQL's `LISTEN wabagate_events`).
pub struct EventNotices {
    listener: PgListener,
}

impl std::fmt::Debug for EventNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventNotices")
    }
}

impl Store {
    /// Subscribes to published events, on a backend that tells them (PostgreSQL); `None`
    /// on SQLite.
    pub async fn listen_event_notices(&self) -> StoreResult<Option<EventNotices>> {
        Ok(self.listen_to(CHANNEL).await?.map(|listener| EventNotices { listener }))
    }
}

impl EventNotices {
    /// Waits for the next notice: `Ok(true)` when a transaction that published committed,
    /// `Ok(false)` when the connection was lost (it reconnects on the next call; what was
    /// published meanwhile was not told). An error means reconnecting failed.
    pub async fn next(&mut self) -> StoreResult<bool> {
        Ok(self.listener.try_recv().await?.is_some())
    }
}

/// Tells the listeners, when the transaction on `connection` commits, that it published.
/// PostgreSQL folds a transaction's identical notices into one.
pub(crate) async fn tell(connection: &mut AnyConnection) -> StoreResult<()> {
    if Dialect::of_connection(connection) == Dialect::Postgres {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(connection).await?;
    }
    Ok(())
}
