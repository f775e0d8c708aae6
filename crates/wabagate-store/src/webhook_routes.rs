//! The routing index of inbound webhooks: which connection owns a phone number id or a
//! WABA id. It is derived from the ACTIVE connections' `metadata` (`phone_numbers[].id`,
//! `waba_ids[]`) and brought in step, inside the same transaction, by every store verb that
//! changes a connection, so it never drifts from them. When two ACTIVE connections claim one
//! id, the newest wins and a warning is logged.
//!
//! A change touches only the ids the changed connection owned or claims ([`reindex`]), so connecting the 100,000th business costs what connecting the first did; a
//! whole [`rebuild`] (which reads every ACTIVE connection) is kept for repairs.

use std::collections::{HashMap, HashSet};

use sqlx::Row;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::whole_reply::WholeReply;
use crate::{Connection, ConnectionStatus, Store, StoreResult};

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
            .fetch_optional_whole(connection)
            .await?;
    row.map(|row| {
        Ok(Route {
            account_id: parse_uuid(row.try_get("account_id")?)?,
            connection_id: parse_uuid(row.try_get("connection_id")?)?,
        })
    })
    .transpose()
}

/// Replaces the whole index with what the ACTIVE connections claim, oldest first so the
/// newest claim of an id is the one left standing. Reads every ACTIVE connection: for
/// repairs, not for each change ([`reindex`]).
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
        insert(tx, kind, &id, &connection_id, &account_id).await?;
    }
    Ok(())
}

/// An id of the index: what kind it is, and the id.
type RouteKey = (RouteKind, String);

/// The ids a connection claims: its metadata's while it is ACTIVE, none otherwise.
pub(crate) fn claims_of(connection: &Connection) -> HashSet<RouteKey> {
    if connection.status != ConnectionStatus::Active {
        return HashSet::new();
    }
    claimed_ids(&connection.metadata).into_iter().collect()
}

/// Brings the index in step with one connection that just changed (activated, its metadata
/// replaced, expired, revoked, or about to be deleted), inside the caller's transaction,
/// given what it claims now: what it owned and no longer claims goes to the newest other
/// claimant, what it claims and nobody newer owns becomes its own. Given an index that was
/// right before, the result is [`rebuild`]'s.
pub(crate) async fn reindex(
    tx: &mut sqlx::AnyConnection,
    account_id: Uuid,
    connection_id: Uuid,
    claims: &HashSet<RouteKey>,
) -> StoreResult<()> {
    let account_id = account_id.to_string();
    let owned = owned_by(tx, &account_id, connection_id).await?;
    for (kind, id) in owned.difference(claims) {
        hand_on(tx, *kind, id, connection_id).await?;
    }
    for (kind, id) in claims.difference(&owned) {
        claim(tx, *kind, id, connection_id, &account_id).await?;
    }
    Ok(())
}

/// The ids `connection_id` owns now (found through the account's index).
async fn owned_by(
    tx: &mut sqlx::AnyConnection,
    account_id: &str,
    connection_id: Uuid,
) -> StoreResult<HashSet<RouteKey>> {
    let rows =
        sqlx::query("SELECT route_kind, route_id FROM webhook_routes WHERE account_id = $1 AND connection_id = $2")
            .bind(account_id)
            .bind(connection_id.to_string())
            .fetch_all(&mut *tx)
            .await?;
    rows.iter().map(|row| Ok((RouteKind::parse(row.try_get("route_kind")?), row.try_get("route_id")?))).collect()
}

/// `leaving` gives up `id`: the newest other ACTIVE connection claiming it takes it, if any.
async fn hand_on(tx: &mut sqlx::AnyConnection, kind: RouteKind, id: &str, leaving: Uuid) -> StoreResult<()> {
    sqlx::query("DELETE FROM webhook_routes WHERE route_kind = $1 AND route_id = $2")
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // `LIKE` only narrows what is read (an id JSON would escape is looked for everywhere);
    // each candidate's claims are then read for real.
    let plain = !id.chars().any(|c| c == '"' || c == '\\' || c.is_control());
    let pattern = if plain { format!("%{id}%") } else { "%".to_owned() };
    let candidates = sqlx::query(
        "SELECT id, account_id, metadata FROM connections
         WHERE status = 'ACTIVE' AND id <> $1 AND metadata LIKE $2 ORDER BY created_at DESC, id DESC",
    )
    .bind(leaving.to_string())
    .bind(pattern)
    .fetch_all(&mut *tx)
    .await?;
    for candidate in &candidates {
        let metadata: String = candidate.try_get("metadata")?;
        let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap_or_default();
        if claimed_ids(&metadata).iter().any(|(claimed_kind, claimed)| *claimed_kind == kind && claimed == id) {
            let connection_id: String = candidate.try_get("id")?;
            let account_id: String = candidate.try_get("account_id")?;
            return insert(tx, kind, id, &connection_id, &account_id).await;
        }
    }
    Ok(())
}

/// `claimant` claims `id`: it takes it unless an owner created after it holds it.
async fn claim(
    tx: &mut sqlx::AnyConnection,
    kind: RouteKind,
    id: &str,
    claimant: Uuid,
    account_id: &str,
) -> StoreResult<()> {
    let Some(owner) = lookup(tx, kind, id).await? else {
        return insert(tx, kind, id, &claimant.to_string(), account_id).await;
    };
    // Newest by the order a rebuild applies claims in: creation time, then id.
    let newest: String =
        sqlx::query("SELECT id FROM connections WHERE id IN ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 1")
            .bind(owner.connection_id.to_string())
            .bind(claimant.to_string())
            .fetch_one_whole(&mut *tx)
            .await?
            .try_get("id")?;
    let (older, newer) =
        if newest == claimant.to_string() { (owner.connection_id, claimant) } else { (claimant, owner.connection_id) };
    tracing::warn!(
        route = kind.as_str(), id = %id, older = %older, newer = %newer,
        "two ACTIVE connections claim one id; webhooks go to the newest"
    );
    if newer == claimant {
        sqlx::query(
            "UPDATE webhook_routes SET connection_id = $1, account_id = $2 WHERE route_kind = $3 AND route_id = $4",
        )
        .bind(claimant.to_string())
        .bind(account_id)
        .bind(kind.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn insert(
    tx: &mut sqlx::AnyConnection,
    kind: RouteKind,
    id: &str,
    connection_id: &str,
    account_id: &str,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO webhook_routes (route_kind, route_id, connection_id, account_id) VALUES ($1, $2, $3, $4)")
        .bind(kind.as_str())
        .bind(id)
        .bind(connection_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
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
