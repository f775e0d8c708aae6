//! The per-account event log that outbound webhooks and `GET /events/stream` serve.
//!
//! An event is published inside the transaction of the change it reports (a ledger write,
//! a template report, a connection's status), together with one delivery row for every
//! subscription that wants it, so the outbox never misses or invents an event. Its id
//! (`evt_…`, the `webhook-id`) is derived from what Meta reported, and unique per account:
//! a redelivered or re-batched Meta item publishes nothing new.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;

use crate::webhook_intake::WebhookBatch;
use crate::webhook_subscriptions::subscription_from_row;
use crate::whole_reply::WholeReply;
use crate::{Store, StoreResult, Timestamp};

/// How long events are kept for the stream when no delivery refers to them.
pub const EVENT_RETENTION_SECONDS: i64 = 3 * 24 * 60 * 60;

/// An event about to be published.
#[derive(Debug, Clone)]
pub struct NewOutboundEvent {
    /// `evt_` and 32 hex digits, derived from what makes the event unique.
    pub event_id: String,
    pub event_type: String,
    /// For the subscriptions' `phone_number_ids` filter; `None` passes every filter.
    pub phone_number_id: Option<String>,
    /// `{"type","timestamp","data"}`, as delivered.
    pub body: Value,
    /// Delivered to this subscription only, whatever its filters (a `webhook.test`).
    pub only_subscription: Option<Uuid>,
}

impl NewOutboundEvent {
    /// An event whose id derives from `identity` (e.g. the wamid and the status).
    pub fn new(event_type: &str, identity: &[&str], phone_number_id: Option<&str>, data: Value, at: Timestamp) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(event_type.as_bytes());
        for part in identity {
            // A separator that cannot occur in ids keeps ("a","bc") apart from ("ab","c").
            hasher.update(b"\x1f");
            hasher.update(part.as_bytes());
        }
        let digest = hasher.finalize();
        Self {
            event_id: format!("evt_{}", hex::encode(&digest[..16])),
            event_type: event_type.to_owned(),
            phone_number_id: phone_number_id.map(str::to_owned),
            body: json!({"type": event_type, "timestamp": at.to_string(), "data": data}),
            only_subscription: None,
        }
    }
}

/// An event as the log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The stream's `id:`, increasing.
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
}

/// Publishes `event` for `account_id` inside the caller's transaction: the event row and a
/// delivery for every subscription that wants it (`skipped` for a disabled one, so a replay
/// can send it later). Returns false when the event was published already.
pub(crate) async fn publish(
    tx: &mut sqlx::AnyConnection,
    account_id: Uuid,
    event: &NewOutboundEvent,
    now: Timestamp,
) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO events (account_id, event_id, type, phone_number_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (account_id, event_id) DO NOTHING RETURNING seq",
    )
    .bind(account_id.to_string())
    .bind(&event.event_id)
    .bind(&event.event_type)
    .bind(&event.phone_number_id)
    .bind(event.body.to_string())
    .bind(now.unix_micros())
    .fetch_optional_whole(&mut *tx)
    .await?;
    let Some(row) = inserted else { return Ok(false) };
    crate::event_notices::tell(&mut *tx).await?;
    let seq: i64 = row.try_get("seq")?;
    let subscriptions = sqlx::query(&format!(
        "SELECT {} FROM webhook_subscriptions WHERE account_id = $1",
        crate::webhook_subscriptions::COLUMNS
    ))
    .bind(account_id.to_string())
    .fetch_all(&mut *tx)
    .await?;
    for row in &subscriptions {
        let subscription = subscription_from_row(row)?;
        let wanted = match event.only_subscription {
            Some(only) => only == subscription.subscription_id,
            None => subscription.wants(&event.event_type, event.phone_number_id.as_deref()),
        };
        if !wanted {
            continue;
        }
        let status = if subscription.status == "active" { "pending" } else { "skipped" };
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, subscription_id, event_seq, status, next_attempt_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5, $5) ON CONFLICT (event_seq, subscription_id) DO NOTHING",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(subscription.subscription_id.to_string())
        .bind(seq)
        .bind(status)
        .bind(now.unix_micros())
        .execute(&mut *tx)
        .await?;
    }
    Ok(true)
}

impl WebhookBatch {
    /// Publishes an event of the routed account inside this batch's transaction.
    pub async fn publish_event(
        &mut self,
        account_id: Uuid,
        event: &NewOutboundEvent,
        now: Timestamp,
    ) -> StoreResult<bool> {
        publish(&mut self.tx, account_id, event, now).await
    }
}

impl Store {
    /// Publishes an event on its own (a `webhook.test`).
    pub async fn publish_event(&self, account_id: Uuid, event: &NewOutboundEvent, now: Timestamp) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let published = publish(&mut tx, account_id, event, now).await?;
        tx.commit().await?;
        Ok(published)
    }

    /// An account's events after `after_seq`, oldest first: what the stream sends next.
    pub async fn events_after(&self, account_id: Uuid, after_seq: i64, limit: u32) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT seq, event_id, type, body FROM events WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(account_id.to_string())
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredEvent {
                    seq: row.try_get("seq")?,
                    event_id: row.try_get("event_id")?,
                    event_type: row.try_get("type")?,
                    body: row.try_get("body")?,
                })
            })
            .collect()
    }

    /// The log position of the account's event `event_id`, if the log still holds it.
    pub async fn event_seq(&self, account_id: Uuid, event_id: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT seq FROM events WHERE account_id = $1 AND event_id = $2")
            .bind(account_id.to_string())
            .bind(event_id)
            .fetch_optional_whole(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("seq")).transpose()?)
    }

    /// The newest event's sequence of an account (0 without any): where a stream that does
    /// not resume starts.
    pub async fn last_event_seq(&self, account_id: Uuid) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE account_id = $1")
            .bind(account_id.to_string())
            .fetch_one_whole(&self.pool)
            .await?;
        Ok(row.try_get("seq")?)
    }
}
