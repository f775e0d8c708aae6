//! The webhook intake's rows: raw bodies stored before Meta gets its 200, claimed and applied
//! one transaction each, and the changes no connection owned yet (`unrouted`).
//!
//! A body is applied through a [`WebhookBatch`]: the transaction opens by claiming the body
//! with a conditional UPDATE (`processed_at IS NULL`), every ledger write of its items joins
//! it, and [`WebhookBatch::finish`] commits. A crash before the commit leaves the body
//! unclaimed, to be applied whole after a restart; a second processor finds it claimed.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use crate::webhook_routes::{Route, RouteKind, lookup};
use crate::whole_reply::WholeReply;
use crate::{Dialect, Store, StoreResult, Timestamp};

/// A stored body waiting to be applied.
#[derive(Debug, Clone)]
pub struct StoredBody {
    pub body_id: i64,
    pub body: Vec<u8>,
    pub received_at: Timestamp,
}

/// A change kept aside because no ACTIVE connection owned its phone number or WABA.
#[derive(Debug, Clone, Serialize)]
pub struct UnroutedChange {
    pub unrouted_id: i64,
    pub body_id: i64,
    pub field: String,
    /// `phone_number_id` or `waba_id`.
    pub route_kind: &'static str,
    pub route_id: String,
    /// A one-change notification, replayed as a body when rerouted.
    pub notification: serde_json::Value,
    pub received_at: Timestamp,
    pub rerouted_at: Option<Timestamp>,
}

enum Source {
    Body(i64),
    Unrouted { unrouted_id: i64, still_unrouted: bool },
}

/// One body (or one rerouted change) being applied: a transaction the ledger verbs join.
pub struct WebhookBatch {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) dialect: Dialect,
    source: Source,
    pub(crate) received_at: Timestamp,
}

impl Store {
    /// Commits a verified body; returns its id. Nothing else happens before Meta's 200.
    pub async fn store_webhook_body(&self, body: &[u8], received_at: Timestamp) -> StoreResult<i64> {
        let row =
            sqlx::query("INSERT INTO webhook_bodies (body, sha256, received_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(body)
                .bind(Sha256::digest(body).to_vec())
                .bind(received_at.unix_micros())
                .fetch_one_whole(&self.pool)
                .await?;
        Ok(row.try_get("id")?)
    }

    /// Up to `limit` bodies not yet applied, in arrival order.
    pub async fn pending_webhook_bodies(&self, limit: u32) -> StoreResult<Vec<StoredBody>> {
        let rows = sqlx::query(
            "SELECT id, body, received_at FROM webhook_bodies WHERE processed_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredBody {
                    body_id: row.try_get("id")?,
                    body: row.try_get("body")?,
                    received_at: Timestamp::from_unix_micros(row.try_get("received_at")?),
                })
            })
            .collect()
    }

    /// Claims a body for applying; `None` when it was applied already (by this process
    /// before a restart, or by another one).
    pub async fn begin_webhook_body(&self, body: &StoredBody, now: Timestamp) -> StoreResult<Option<WebhookBatch>> {
        let mut tx = self.pool.begin().await?;
        // Held until this batch commits; another instance's claim skips the row rather than
        // waiting for it, and once committed finds it processed.
        let claimed = sqlx::query(&format!(
            "UPDATE webhook_bodies SET processed_at = $1
             WHERE id = (SELECT id FROM webhook_bodies WHERE id = $2 AND processed_at IS NULL {})",
            self.dialect.skip_locked()
        ))
        .bind(now.unix_micros())
        .bind(body.body_id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(WebhookBatch {
            tx,
            dialect: self.dialect,
            source: Source::Body(body.body_id),
            received_at: body.received_at,
        }))
    }

    /// Unrouted changes, oldest first; rerouted ones too when `include_rerouted`.
    pub async fn unrouted_changes(&self, include_rerouted: bool) -> StoreResult<Vec<UnroutedChange>> {
        let rows = sqlx::query(
            "SELECT id, body_id, field, route_kind, route_id, notification, received_at, rerouted_at
             FROM unrouted_changes WHERE $1 OR rerouted_at IS NULL ORDER BY id",
        )
        .bind(include_rerouted)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let notification: String = row.try_get("notification")?;
                let route_kind: String = row.try_get("route_kind")?;
                Ok(UnroutedChange {
                    unrouted_id: row.try_get("id")?,
                    body_id: row.try_get("body_id")?,
                    field: row.try_get("field")?,
                    route_kind: RouteKind::parse(&route_kind).as_str(),
                    route_id: row.try_get("route_id")?,
                    notification: serde_json::from_str(&notification).unwrap_or_default(),
                    received_at: Timestamp::from_unix_micros(row.try_get("received_at")?),
                    rerouted_at: row.try_get::<Option<i64>, _>("rerouted_at")?.map(Timestamp::from_unix_micros),
                })
            })
            .collect()
    }

    /// Opens a batch that replays one unrouted change; it commits only if the change is
    /// routed this time.
    pub async fn begin_reroute(&self, change: &UnroutedChange) -> StoreResult<WebhookBatch> {
        let tx = self.pool.begin().await?;
        Ok(WebhookBatch {
            tx,
            dialect: self.dialect,
            source: Source::Unrouted { unrouted_id: change.unrouted_id, still_unrouted: false },
            received_at: change.received_at,
        })
    }

    /// Deletes applied bodies received before `before` (Meta keeps redelivering for 7 days;
    /// so do we keep them). Returns how many went.
    pub async fn forget_webhook_bodies_before(&self, before: Timestamp) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM webhook_bodies WHERE processed_at IS NOT NULL AND received_at < $1")
            .bind(before.unix_micros())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected())
    }

    /// How many bodies are stored and how many wait: for tests and `/metrics`.
    pub async fn webhook_body_counts(&self) -> StoreResult<(u64, u64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS stored, COALESCE(SUM(CASE WHEN processed_at IS NULL THEN 1 ELSE 0 END), 0) AS pending
             FROM webhook_bodies",
        )
        .fetch_one_whole(&self.pool)
        .await?;
        let count = |name: &str| -> StoreResult<u64> { Ok(row.try_get::<i64, _>(name)?.max(0).unsigned_abs()) };
        Ok((count("stored")?, count("pending")?))
    }
}

impl WebhookBatch {
    /// When the body arrived: the time the ledger gives items that carry none of their own.
    pub fn received_at(&self) -> Timestamp {
        self.received_at
    }

    /// The ACTIVE connection owning an id, as the index says inside this transaction.
    pub async fn route(&mut self, kind: RouteKind, id: &str) -> StoreResult<Option<Route>> {
        lookup(&mut self.tx, kind, id).await
    }

    /// Keeps a change no connection owns, as a one-change notification.
    pub async fn keep_unrouted(
        &mut self,
        field: &str,
        kind: RouteKind,
        route_id: &str,
        notification: &serde_json::Value,
    ) -> StoreResult<()> {
        let body_id = match &mut self.source {
            Source::Body(body_id) => *body_id,
            Source::Unrouted { still_unrouted, .. } => {
                *still_unrouted = true;
                return Ok(());
            }
        };
        sqlx::query(
            "INSERT INTO unrouted_changes (body_id, field, route_kind, route_id, notification, received_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(body_id)
        .bind(field)
        .bind(kind.as_str())
        .bind(route_id)
        .bind(notification.to_string())
        .bind(self.received_at.unix_micros())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Records an event of a connection inside this transaction.
    pub async fn record_connection_event(
        &mut self,
        route: Route,
        event: crate::connection_events::NewEvent,
    ) -> StoreResult<()> {
        crate::connection_events::record(&mut self.tx, route.account_id, route.connection_id, event).await
    }

    /// Commits what was applied. A body that could not be read is marked with `error` and
    /// kept (for 7 days) for a person to look at. Returns false when a rerouted change
    /// still has no owner, in which case nothing was written.
    pub async fn finish(mut self, now: Timestamp, error: Option<&str>) -> StoreResult<bool> {
        match self.source {
            Source::Body(body_id) => {
                if let Some(error) = error {
                    sqlx::query("UPDATE webhook_bodies SET error = $1 WHERE id = $2")
                        .bind(error)
                        .bind(body_id)
                        .execute(&mut *self.tx)
                        .await?;
                }
            }
            Source::Unrouted { still_unrouted: true, .. } => {
                self.tx.rollback().await?;
                return Ok(false);
            }
            Source::Unrouted { unrouted_id, still_unrouted: false } => {
                sqlx::query("UPDATE unrouted_changes SET rerouted_at = $1 WHERE id = $2 AND rerouted_at IS NULL")
                    .bind(now.unix_micros())
                    .bind(unrouted_id)
                    .execute(&mut *self.tx)
                    .await?;
            }
        }
        self.tx.commit().await?;
        Ok(true)
    }
}
