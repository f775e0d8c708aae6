//! The routing index of inbound webhooks: which connection owns a phone number id or a
//! WABA id. It is derived from the ACTIVE connections' `metadata` (`phone_numbers[].id`,
//! `waba_ids[]`) and rebuilt, inside the same transaction, by every store verb that changes
//! a connection, so it never drifts from them. When two ACTIVE connections claim one id, the
//! newest wins and a warning is logged.

use std::collections::HashMap;

use sqlx::Row;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::{Store, StoreResult};

/// What a webhook change is routed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// `value.metadata.phone_number_id` of `messages` changes.
    PhoneNumber,
    /// `entry.id` of WABA-level changes.
    Waba,
}

impl RouteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PhoneNumber => "phone_number_id",
            Self::Waba => "waba_id",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        if text == "waba_id" { Self::Waba } else { Self::PhoneNumber }
    }
}

/// The owner of a routed id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub account_id: Uuid,
    pub connection_id: Uuid,
}

impl Store {
    /// Rebuilds the index from the connections as they are now. The store's own verbs call
    /// this already; it is public for repairs and tests.
    pub async fn rebuild_webhook_routes(&self) -> StoreResult<()> {
        // The write lock first (see `Dialect::begin_exclusive`): a rebuild reads, then writes.
        let mut tx = self.begin_connection_change().await?;
        rebuild(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ids of one kind an account's ACTIVE connections own (its WABAs, its numbers).
    pub async fn routed_ids(&self, account_id: Uuid, kind: RouteKind) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT route_id FROM webhook_routes WHERE account_id = $1 AND route_kind = $2 ORDER BY route_id",
        )
        .bind(account_id.to_string())
        .bind(kind.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("route_id")?)).collect()
    }

    /// The owner of one id, if an ACTIVE connection claims it.
    pub async fn webhook_route(&self, kind: RouteKind, id: &str) -> StoreResult<Option<Route>> {
        let mut connection = self.pool.acquire().await?;
        lookup(&mut connection, kind, id).await
    }
}

pub(crate) async fn lookup(
    connection: &mut sqlx::AnyConnection,
    kind: RouteKind,
    id: &str,
) -> StoreResult<Option<Route>> {
    let row =
        sqlx::query("SELECT account_id, connection_id FROM webhook_routes WHERE route_kind = $1 AND route_id = $2")
            .bind(kind.as_str())
            .bind(id)
            .fetch_optional(connection)
            .await?;
    row.map(|row| {
        Ok(Route {
            account_id: parse_uuid(row.try_get("account_id")?)?,
            connection_id: parse_uuid(row.try_get("connection_id")?)?,
        })
    })
    .transpose()
}

/// Replaces the index with what the ACTIVE connections claim, oldest first so the newest
/// claim of an id is the one left standing.
pub(crate) async fn rebuild(tx: &mut sqlx::AnyConnection) -> StoreResult<()> {
    let rows =
        sqlx::query("SELECT id, account_id, metadata FROM connections WHERE status = 'ACTIVE' ORDER BY created_at, id")
            .fetch_all(&mut *tx)
            .await?;
    let mut owners: HashMap<(RouteKind, String), (String, String)> = HashMap::new();
    for row in &rows {
        let connection_id: String = row.try_get("id")?;
        let account_id: String = row.try_get("account_id")?;
        let metadata: String = row.try_get("metadata")?;
        let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap_or_default();
        for (kind, id) in claimed_ids(&metadata) {
            let owner = (connection_id.clone(), account_id.clone());
            if let Some((previous, _)) = owners.insert((kind, id.clone()), owner) {
                tracing::warn!(
                    route = kind.as_str(), id = %id, older = %previous, newer = %connection_id,
                    "two ACTIVE connections claim one id; webhooks go to the newest"
                );
            }
        }
    }
    sqlx::query("DELETE FROM webhook_routes").execute(&mut *tx).await?;
    for ((kind, id), (connection_id, account_id)) in owners {
        sqlx::query(
            "INSERT INTO webhook_routes (route_kind, route_id, connection_id, account_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(kind.as_str())
        .bind(id)
        .bind(connection_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// `metadata.phone_numbers[].id`, `metadata.waba_ids[]` and `metadata.waba_id`.
fn claimed_ids(metadata: &serde_json::Value) -> Vec<(RouteKind, String)> {
    let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
    let numbers = metadata["phone_numbers"].as_array().into_iter().flatten().filter_map(|number| text(&number["id"]));
    let wabas =
        metadata["waba_ids"].as_array().into_iter().flatten().filter_map(text).chain(text(&metadata["waba_id"]));
    numbers.map(|id| (RouteKind::PhoneNumber, id)).chain(wabas.map(|id| (RouteKind::Waba, id))).collect()
}
