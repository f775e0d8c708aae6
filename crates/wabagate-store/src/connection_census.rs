//! What an operator watches across every account: how many connections are in each status
//! and when the soonest ACTIVE token stops working. One aggregate query, read when
//! `/metrics` is scraped, never on a request's path.

use sqlx::Row;

use crate::{ConnectionStatus, Store, StoreResult, Timestamp};

/// Connections counted across all accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionCensus {
    /// Every status with its count, zeros included, in [`ConnectionStatus::ALL`] order.
    pub by_status: [(ConnectionStatus, u64); 4],
    /// The earliest `token_expires_at` of an ACTIVE connection; `None` when every ACTIVE
    /// token is one that does not expire (or there is none).
    pub soonest_token_expiry: Option<Timestamp>,
}

impl Store {
    /// Counts the connections by status and finds the soonest ACTIVE token expiry.
    pub async fn connection_census(&self) -> StoreResult<ConnectionCensus> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS count,
                    MIN(CASE WHEN status = 'ACTIVE' THEN token_expires_at END) AS soonest
             FROM connections GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_status = ConnectionStatus::ALL.map(|status| (status, 0));
        let mut soonest_token_expiry = None;
        for row in rows {
            let status: String = row.try_get("status")?;
            let count: i64 = row.try_get("count")?;
            if let Some(slot) = by_status.iter_mut().find(|(known, _)| known.as_str() == status) {
                slot.1 = u64::try_from(count).unwrap_or(0);
            }
            if let Some(micros) = row.try_get::<Option<i64>, _>("soonest")? {
                soonest_token_expiry = Some(Timestamp::from_unix_micros(micros));
            }
        }
        Ok(ConnectionCensus { by_status, soonest_token_expiry })
    }
}
