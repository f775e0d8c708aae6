//! The one way the store listens to a PostgreSQL notification channel, shared by
//! [`crate::CacheChanges`] and [`crate::EventNotices`]: a connection of its own outside the
//! store's pool (`LISTEN` holds it for good), reconnected by sqlx on the next receive.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::{Dialect, Store, StoreResult};

/// How long (re)connecting a listener may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// A listener on `channel`, on a backend that notifies (PostgreSQL); `None` on SQLite.
    pub(crate) async fn listen_to(&self, channel: &str) -> StoreResult<Option<PgListener>> {
        if self.dialect != Dialect::Postgres {
            return Ok(None);
        }
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy(self.url.expose())?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(channel).await?;
        Ok(Some(listener))
    }
}
