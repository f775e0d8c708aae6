//! Connection events: what happened to a connection, in order (its status changed, Meta
//! reported an account update, a display name review, a revoked access). Written in the
//! same transaction as the change itself, which also brings the webhook routing index in step,
//! so a later outbox row can join that transaction and never miss or invent an event.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::events::NewOutboundEvent;
use crate::whole_reply::WholeReply;
use crate::{Connection, Store, StoreResult, Timestamp};

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionEvent {
    pub event_id: i64,
    pub account_id: Uuid,
    pub connection_id: Uuid,
    /// `status_changed`, `account_update`, `phone_number_name_update`, `access_revoked`.
    pub kind: String,
    pub detail: Value,
    pub occurred_at: Timestamp,
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub detail: Value,
}

/// The event of a connection whose status was just set.
pub(crate) fn status_event(connection: &Connection) -> NewEvent {
    NewEvent {
        kind: "status_changed",
        detail: json!({"status": connection.status.as_str(), "error": connection.metadata.get("error")}),
    }
}

/// Records `event` and brings the routing index in step, inside the caller's transaction.
pub(crate) async fn connection_changed(
    tx: &mut sqlx::AnyConnection,
    connection: &Connection,
    event: NewEvent,
) -> StoreResult<()> {
    record(tx, connection.account_id, connection.connection_id, event).await?;
    let claims = crate::webhook_routes::claims_of(connection);
    crate::webhook_routes::reindex(tx, connection.account_id, connection.connection_id, &claims).await
}

pub(crate) async fn record(
    tx: &mut sqlx::AnyConnection,
    account_id: Uuid,
    connection_id: Uuid,
    event: NewEvent,
) -> StoreResult<()> {
    let now = Timestamp::now();
    let row = sqlx::query(
        "INSERT INTO connection_events (account_id, connection_id, kind, detail, occurred_at) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(account_id.to_string())
    .bind(connection_id.to_string())
    .bind(event.kind)
    .bind(event.detail.to_string())
    .bind(now.unix_micros())
    .fetch_one_whole(&mut *tx)
    .await?;
    if event.kind == "status_changed" {
        let event_row: i64 = row.try_get("id")?;
        let outbound = status_changed_event(connection_id, event_row, &event.detail, now);
        crate::events::publish(tx, account_id, &outbound, now).await?;
    }
    Ok(())
}

/// The outbound `connection.status_changed` event of a recorded status change; its id
/// derives from the recorded row, so it is published once.
fn status_changed_event(connection_id: Uuid, event_row: i64, detail: &Value, at: Timestamp) -> NewOutboundEvent {
    let connection = json!({
        "id": connection_id,
        "status": detail.get("status"),
        "error": detail.get("error"),
    });
    let data = json!({
        "connection_id": connection_id,
        "phone_number_id": null,
        "waba_id": null,
        "connection": connection,
        "raw": null,
    });
    let identity = [connection_id.to_string(), event_row.to_string()];
    let identity: Vec<&str> = identity.iter().map(String::as_str).collect();
    NewOutboundEvent::new("connection.status_changed", &identity, None, data, at)
}

impl Store {
    /// A connection's events, oldest first.
    pub async fn connection_events(&self, connection_id: Uuid) -> StoreResult<Vec<ConnectionEvent>> {
        let rows = sqlx::query(
            "SELECT id, account_id, connection_id, kind, detail, occurred_at FROM connection_events
             WHERE connection_id = $1 ORDER BY id",
        )
        .bind(connection_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let detail: String = row.try_get("detail")?;
                Ok(ConnectionEvent {
                    event_id: row.try_get("id")?,
                    account_id: parse_uuid(row.try_get("account_id")?)?,
                    connection_id: parse_uuid(row.try_get("connection_id")?)?,
                    kind: row.try_get("kind")?,
                    detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                    occurred_at: Timestamp::from_unix_micros(row.try_get("occurred_at")?),
                })
            })
            .collect()
    }
}

impl crate::WebhookBatch {
    /// Marks the routed connection EXPIRED because the business revoked the gateway's access
    /// (Meta will no longer honour its token), with its events, inside this transaction.
    /// Returns whether it was ACTIVE until now.
    pub async fn revoke_connection(&mut self, route: crate::Route, error: Value) -> StoreResult<bool> {
        // The lock first: this transaction updates the routing index below.
        self.dialect.serialize_connection_changes(&mut self.tx).await?;
        let revoked = sqlx::query(&format!(
            "UPDATE connections SET status = 'EXPIRED', metadata = {}, updated_at = $2
             WHERE id = $3 AND status = 'ACTIVE'",
            self.dialect.json_set("metadata", "error", "$1")
        ))
        .bind(error.to_string())
        .bind(Timestamp::now().unix_micros())
        .bind(route.connection_id.to_string())
        .execute(&mut *self.tx)
        .await?;
        if revoked.rows_affected() == 0 {
            return Ok(false);
        }
        record(
            &mut self.tx,
            route.account_id,
            route.connection_id,
            NewEvent { kind: "access_revoked", detail: error.clone() },
        )
        .await?;
        let status = json!({"status": "EXPIRED", "error": error});
        record(
            &mut self.tx,
            route.account_id,
            route.connection_id,
            NewEvent { kind: "status_changed", detail: status },
        )
        .await?;
        // EXPIRED now, it claims nothing.
        crate::webhook_routes::reindex(&mut self.tx, route.account_id, route.connection_id, &Default::default())
            .await?;
        Ok(true)
    }
}
