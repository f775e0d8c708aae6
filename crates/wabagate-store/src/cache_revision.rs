//! The cache revision: a counter the database bumps (by triggers, migration 0006) on every
//! change to accounts, API keys or connections, by any process. A gateway reads it a few
//! times a second and forgets its caches when it moved: a revoked key or a changed
//! connection is seen within that interval, and unchanged entries are never asked again.

use sqlx::Row;

use crate::whole_reply::WholeReply;
use crate::{Store, StoreResult};

impl Store {
    /// The current cache revision; any change to accounts, keys or connections moves it.
    pub async fn cache_revision(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT revision FROM cache_revision WHERE id = 1").fetch_one_whole(&self.pool).await?;
        Ok(row.try_get("revision")?)
    }
}
