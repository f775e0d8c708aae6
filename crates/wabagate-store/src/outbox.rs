//! The durable outbox: deliveries of events to subscriptions, claimed with a lease, and the
//! log of their attempts.
//!
//! Every state change is one conditional statement, so several workers (several instances,
//! on PostgreSQL) neither deliver one row twice at once nor move it backwards:
//! - a claim takes due rows (`pending`/`failed` whose time has come, or `in_flight` whose
//!   lease ended: a killed process's) and writes the claimant's lease token, at most
//!   `per_endpoint` in flight per subscription;
//! - an outcome is written only `WHERE status = 'in_flight' AND lease_owner = <token>`: a
//!   worker whose lease ended and was taken over records nothing;
//! - a hand-off ([`Store::finish_and_take_next`]) records an outcome and claims the next due
//!   row of the same subscription in one transaction: the place its row leaves goes to the
//!   next, so the number in flight never grows, and a busy endpoint costs one commit per
//!   delivery rather than two (and no wait for the worker's next claim).

use std::time::Duration;

use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::whole_reply::WholeReply;
use crate::{Store, StoreResult, Timestamp};

/// How long a failing endpoint may fail everything before its subscription is disabled.
pub const DISABLE_AFTER_FAILING: Duration = Duration::from_secs(5 * 24 * 60 * 60);
/// How long attempts (and finished deliveries) are kept for the delivery log.
pub const ATTEMPT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A delivery a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub delivery_id: Uuid,
    pub subscription_id: Uuid,
    pub url: String,
    /// The `webhook-id`: the same for every attempt and replay.
    pub event_id: String,
    pub body: String,
    /// This attempt's number, from 1.
    pub attempt: u32,
    pub lease_owner: String,
}

/// What one attempt saw.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempted_at: Timestamp,
    pub http_status: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// The first 1 KiB of the answer.
    pub response_body: Option<String>,
}

/// Where a delivery goes after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Failed; try again at this time.
    RetryAt(Timestamp),
    /// Failed for the last time.
    Dead,
    /// The endpoint answered 410 Gone: the subscription is disabled.
    Gone,
}

/// What [`Store::finish_and_take_next`] did.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Whether the outcome was recorded (false: the lease had been taken over).
    pub recorded: bool,
    /// The subscription's next due delivery, claimed in its place.
    pub next: Option<ClaimedDelivery>,
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    #[serde(rename = "id")]
    pub delivery_id: Uuid,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub status: String,
    pub attempt_count: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub attempts: Vec<AttemptView>,
    /// Paging key, not shown.
    #[serde(skip)]
    pub event_seq: i64,
}

/// One attempt as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub attempted_at: Timestamp,
    pub http_status: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// `GET /webhooks/{id}/deliveries` filters.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<String>,
    pub event_type: Option<String>,
    /// Deliveries of events before this sequence (the page cursor).
    pub before_seq: Option<i64>,
}

/// The outbox at a glance, for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Rows per status.
    pub by_status: Vec<(String, u64)>,
    /// When the oldest event still waiting for a delivery was published.
    pub oldest_undelivered: Option<Timestamp>,
}

/// The states a delivery is due in.
const DUE: &str =
    "((status IN ('pending', 'failed') AND next_attempt_at <= $3) OR (status = 'in_flight' AND lease_until <= $3))";

impl Store {
    /// Claims up to `limit` due deliveries of active subscriptions for `lease`, at most
    /// `per_endpoint` in flight per subscription (those held by anyone counted).
    ///
    /// One UPDATE. Under SQLite's single writer it is atomic as it stands. On PostgreSQL
    /// several instances claim at once: the rows chosen are locked `FOR UPDATE SKIP LOCKED`
    /// (rows another instance is claiming are left to it, never waited for), and the due
    /// condition is checked again on the row as it is once locked, so a row one instance
    /// just claimed is not claimed twice. Both rank the same rows the same way, so the
    /// per-endpoint cap holds across instances too.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: Duration,
        per_endpoint: u32,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let (lease_owner, lease_until) = new_lease(now, lease);
        // `busy` counts each endpoint's live leases once; `due` ranks its due rows, so an
        // endpoint gets only the places it has left.
        let claimed = sqlx::query(&format!(
            "WITH busy AS (
                SELECT subscription_id, COUNT(*) AS held FROM webhook_deliveries
                WHERE status = 'in_flight' AND lease_until > $3 GROUP BY subscription_id
             ), due AS (
                SELECT d.id, d.subscription_id, d.next_attempt_at,
                    ROW_NUMBER() OVER (PARTITION BY d.subscription_id ORDER BY d.next_attempt_at, d.id) AS place
                FROM webhook_deliveries d
                JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.status = 'active'
                WHERE (d.status IN ('pending', 'failed') AND d.next_attempt_at <= $3)
                   OR (d.status = 'in_flight' AND d.lease_until <= $3)
             ), chosen AS (
                SELECT due.id FROM due LEFT JOIN busy ON busy.subscription_id = due.subscription_id
                WHERE due.place + COALESCE(busy.held, 0) <= $4
                ORDER BY due.next_attempt_at LIMIT $5
             )
             UPDATE webhook_deliveries SET status = 'in_flight', lease_owner = $1, lease_until = $2,
                attempts = attempts + 1, updated_at = $3
             WHERE {DUE} AND id IN (
                SELECT claim.id FROM webhook_deliveries AS claim WHERE claim.id IN (SELECT id FROM chosen) {lock})",
            lock = self.dialect.skip_locked(),
        ))
        .bind(&lease_owner)
        .bind(lease_until)
        .bind(now.unix_micros())
        .bind(i64::from(per_endpoint))
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(Vec::new());
        }
        held_by(&self.pool, &lease_owner).await
    }

    /// Records an attempt and its outcome, if `claimed`'s lease is still the row's; returns
    /// whether it was. A failure starts (or continues) the subscription's failing streak,
    /// which disables it after [`DISABLE_AFTER_FAILING`]; a 410 disables it at once. A
    /// disabled subscription's waiting deliveries become `skipped`.
    pub async fn finish_delivery(
        &self,
        claimed: &ClaimedDelivery,
        attempt: &AttemptRecord,
        outcome: AttemptOutcome,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let recorded = record_outcome(&mut tx, claimed, attempt, outcome, now).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// [`Store::finish_delivery`], and in the same transaction, while the subscription is
    /// active, claims its next due delivery (oldest first) for `lease` in the place the
    /// finished one leaves. Rows another instance is claiming are skipped, as in
    /// [`Store::claim_deliveries`]; the endpoint never holds more in flight than before.
    pub async fn finish_and_take_next(
        &self,
        claimed: &ClaimedDelivery,
        attempt: &AttemptRecord,
        outcome: AttemptOutcome,
        now: Timestamp,
        lease: Duration,
    ) -> StoreResult<Finished> {
        let mut tx = self.pool.begin().await?;
        if !record_outcome(&mut tx, claimed, attempt, outcome, now).await? {
            tx.rollback().await?;
            return Ok(Finished { recorded: false, next: None });
        }
        let (lease_owner, lease_until) = new_lease(now, lease);
        let taken = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET status = 'in_flight', lease_owner = $1, lease_until = $2,
                attempts = attempts + 1, updated_at = $3
             WHERE {DUE} AND id = (
                SELECT candidate.id FROM webhook_deliveries AS candidate
                WHERE candidate.subscription_id = $4 AND {DUE}
                  AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = $4 AND s.status = 'active')
                ORDER BY candidate.next_attempt_at, candidate.id LIMIT 1 {lock})",
            lock = self.dialect.skip_locked(),
        ))
        .bind(&lease_owner)
        .bind(lease_until)
        .bind(now.unix_micros())
        .bind(claimed.subscription_id.to_string())
        .execute(&mut *tx)
        .await?;
        let next = match taken.rows_affected() {
            0 => None,
            _ => held_by(&mut *tx, &lease_owner).await?.pop(),
        };
        tx.commit().await?;
        Ok(Finished { recorded: true, next })
    }

    /// A subscription's deliveries, newest event first, each with its attempts.
    pub async fn deliveries(
        &self,
        subscription_id: Uuid,
        filter: &DeliveryFilter,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryView>> {
        let rows = sqlx::query(
            "SELECT d.id, d.event_seq, d.status, d.attempts, d.next_attempt_at, d.created_at, d.updated_at,
                e.event_id, e.type
             FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
             WHERE d.subscription_id = $1 AND ($2 IS NULL OR d.status = $2) AND ($3 IS NULL OR e.type = $3)
               AND ($4 IS NULL OR d.event_seq < $4)
             ORDER BY d.event_seq DESC LIMIT $5",
        )
        .bind(subscription_id.to_string())
        .bind(&filter.status)
        .bind(&filter.event_type)
        .bind(filter.before_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut deliveries = Vec::with_capacity(rows.len());
        for row in &rows {
            let status: String = row.try_get("status")?;
            let waiting = matches!(status.as_str(), "pending" | "failed");
            let delivery_id: String = row.try_get("id")?;
            let attempts = sqlx::query(
                "SELECT attempted_at, http_status, duration_ms, error, response_body FROM webhook_attempts
                 WHERE delivery_id = $1 ORDER BY id",
            )
            .bind(&delivery_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|attempt| {
                Ok(AttemptView {
                    attempted_at: Timestamp::from_unix_micros(attempt.try_get("attempted_at")?),
                    http_status: attempt.try_get::<Option<i64>, _>("http_status")?.and_then(|s| u16::try_from(s).ok()),
                    duration_ms: attempt.try_get::<i64, _>("duration_ms")?.max(0).unsigned_abs(),
                    error: attempt.try_get("error")?,
                    response_body: attempt.try_get("response_body")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
            deliveries.push(DeliveryView {
                delivery_id: parse_uuid(delivery_id)?,
                event_id: row.try_get("event_id")?,
                event_type: row.try_get("type")?,
                attempt_count: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                next_attempt_at: waiting
                    .then(|| row.try_get("next_attempt_at").map(Timestamp::from_unix_micros))
                    .transpose()?,
                status,
                created_at: Timestamp::from_unix_micros(row.try_get("created_at")?),
                updated_at: Timestamp::from_unix_micros(row.try_get("updated_at")?),
                attempts,
                event_seq: row.try_get("event_seq")?,
            });
        }
        Ok(deliveries)
    }

    /// Queues one delivery again (same event, same `webhook-id`), unless it is in flight.
    /// `None` when the subscription has no such delivery; `Some(false)` when in flight.
    pub async fn replay_delivery(
        &self,
        subscription_id: Uuid,
        delivery_id: Uuid,
        now: Timestamp,
    ) -> StoreResult<Option<bool>> {
        let exists = sqlx::query("SELECT status FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2")
            .bind(delivery_id.to_string())
            .bind(subscription_id.to_string())
            .fetch_optional_whole(&self.pool)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let queued = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $2
             WHERE id = $3 AND subscription_id = $4 AND status <> 'in_flight'",
        )
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .bind(delivery_id.to_string())
        .bind(subscription_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(Some(queued.rows_affected() > 0))
    }

    /// Queues again every delivery of events published in `[since, until)` whose status is
    /// one of `statuses`; returns how many.
    pub async fn replay_deliveries(
        &self,
        subscription_id: Uuid,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
        statuses: &[&str],
        now: Timestamp,
    ) -> StoreResult<u64> {
        let statuses = serde_json::Value::from(statuses.to_vec()).to_string();
        let queued = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1
             WHERE subscription_id = $2 AND status <> 'in_flight'
               AND status IN (SELECT value FROM {statuses})
               AND event_seq IN (SELECT seq FROM events WHERE ($4 IS NULL OR created_at >= $4)
                                                        AND ($5 IS NULL OR created_at < $5))",
            statuses = self.dialect.json_strings("$3", "statuses"),
        ))
        .bind(now.unix_micros())
        .bind(subscription_id.to_string())
        .bind(statuses)
        .bind(since.map(Timestamp::unix_micros))
        .bind(until.map(Timestamp::unix_micros))
        .execute(&self.pool)
        .await?;
        Ok(queued.rows_affected())
    }

    /// Deliveries per status, and the oldest event still waiting.
    pub async fn outbox_counts(&self) -> StoreResult<OutboxCounts> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS count FROM webhook_deliveries GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let by_status = rows
            .iter()
            .map(|row| Ok((row.try_get("status")?, row.try_get::<i64, _>("count")?.max(0).unsigned_abs())))
            .collect::<StoreResult<Vec<_>>>()?;
        let oldest = sqlx::query(
            "SELECT MIN(e.created_at) AS oldest FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
             WHERE d.status IN ('pending', 'in_flight', 'failed')",
        )
        .fetch_one_whole(&self.pool)
        .await?
        .try_get::<Option<i64>, _>("oldest")?;
        Ok(OutboxCounts { by_status, oldest_undelivered: oldest.map(Timestamp::from_unix_micros) })
    }

    /// Deletes attempts and finished deliveries older than 30 days, then events older than
    /// 3 days that no delivery refers to. Returns how many rows went.
    pub async fn forget_old_events(&self, now: Timestamp) -> StoreResult<u64> {
        let attempts_before =
            now.unix_micros().saturating_sub(i64::try_from(ATTEMPT_RETENTION.as_micros()).unwrap_or(i64::MAX));
        let events_before = now.unix_micros().saturating_sub(crate::events::EVENT_RETENTION_SECONDS * 1_000_000);
        let mut forgotten = 0;
        forgotten += sqlx::query("DELETE FROM webhook_attempts WHERE attempted_at < $1")
            .bind(attempts_before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        forgotten += sqlx::query(
            "DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'dead', 'skipped') AND updated_at < $1",
        )
        .bind(attempts_before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        forgotten += sqlx::query(
            "DELETE FROM events WHERE created_at < $1 AND NOT EXISTS
                (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = events.seq)",
        )
        .bind(events_before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(forgotten)
    }
}

/// A fresh lease token, and when a lease of `lease` taken `now` ends (unix micros).
fn new_lease(now: Timestamp, lease: Duration) -> (String, i64) {
    let until = now.unix_micros().saturating_add(i64::try_from(lease.as_micros()).unwrap_or(i64::MAX));
    (Uuid::new_v4().to_string(), until)
}

/// Writes an attempt and its outcome inside `tx`, if `claimed`'s lease is still the row's;
/// returns whether it was (nothing is written otherwise).
async fn record_outcome(
    tx: &mut sqlx::AnyConnection,
    claimed: &ClaimedDelivery,
    attempt: &AttemptRecord,
    outcome: AttemptOutcome,
    now: Timestamp,
) -> StoreResult<bool> {
    let (status, next_attempt_at) = match outcome {
        AttemptOutcome::Delivered => ("delivered", now),
        AttemptOutcome::RetryAt(at) => ("failed", at),
        AttemptOutcome::Dead => ("dead", now),
        AttemptOutcome::Gone => ("failed", now),
    };
    let updated = sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, lease_owner = NULL, lease_until = NULL,
            updated_at = $3
         WHERE id = $4 AND status = 'in_flight' AND lease_owner = $5",
    )
    .bind(status)
    .bind(next_attempt_at.unix_micros())
    .bind(now.unix_micros())
    .bind(claimed.delivery_id.to_string())
    .bind(&claimed.lease_owner)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, http_status, duration_ms, error, response_body)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(claimed.delivery_id.to_string())
    .bind(attempt.attempted_at.unix_micros())
    .bind(attempt.http_status.map(i64::from))
    .bind(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX))
    .bind(&attempt.error)
    .bind(&attempt.response_body)
    .execute(&mut *tx)
    .await?;
    let subscription_id = claimed.subscription_id.to_string();
    let disable_reason = match outcome {
        AttemptOutcome::Delivered => {
            // Conditional, so the healthy path writes (and locks) no subscription row: the
            // deliveries of one endpoint finishing at once would queue on it.
            sqlx::query(
                "UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
            )
            .bind(&subscription_id)
            .execute(&mut *tx)
            .await?;
            None
        }
        AttemptOutcome::Gone => Some("the endpoint answered 410 Gone"),
        AttemptOutcome::RetryAt(_) | AttemptOutcome::Dead => {
            let since = sqlx::query(
                "UPDATE webhook_subscriptions SET failing_since = COALESCE(failing_since, $1) WHERE id = $2
                 RETURNING failing_since",
            )
            .bind(now.unix_micros())
            .bind(&subscription_id)
            .fetch_one_whole(&mut *tx)
            .await?
            .try_get::<i64, _>("failing_since")?;
            let limit = i64::try_from(DISABLE_AFTER_FAILING.as_micros()).unwrap_or(i64::MAX);
            (now.unix_micros().saturating_sub(since) >= limit).then_some("every delivery failed for 5 days")
        }
    };
    if let Some(reason) = disable_reason {
        disable(tx, &subscription_id, reason, now).await?;
    }
    Ok(true)
}

/// The deliveries a claim under `lease_owner` holds, with what an attempt needs.
async fn held_by<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    lease_owner: &str,
) -> StoreResult<Vec<ClaimedDelivery>> {
    let rows = sqlx::query(
        "SELECT d.id, d.subscription_id, d.attempts, s.url, e.event_id, e.body
         FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.id = d.subscription_id
         JOIN events e ON e.seq = d.event_seq
         WHERE d.lease_owner = $1 AND d.status = 'in_flight'",
    )
    .bind(lease_owner)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ClaimedDelivery {
                delivery_id: parse_uuid(row.try_get("id")?)?,
                subscription_id: parse_uuid(row.try_get("subscription_id")?)?,
                url: row.try_get("url")?,
                event_id: row.try_get("event_id")?,
                body: row.try_get("body")?,
                attempt: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                lease_owner: lease_owner.to_owned(),
            })
        })
        .collect()
}

/// Disables a subscription; its waiting deliveries are kept as `skipped`.
async fn disable(tx: &mut sqlx::AnyConnection, subscription_id: &str, reason: &str, now: Timestamp) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $1, updated_at = $2
         WHERE id = $3 AND status = 'active'",
    )
    .bind(reason)
    .bind(now.unix_micros())
    .bind(subscription_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'skipped', updated_at = $1
         WHERE subscription_id = $2 AND status IN ('pending', 'failed')",
    )
    .bind(now.unix_micros())
    .bind(subscription_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
