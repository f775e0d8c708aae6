//! The message ledger: one row per wamid, with every status Meta reported.
//!
//! The rules live in the SQL, as conditional writes that port to PostgreSQL:
//! - statuses only move forward (accepted < sent < delivered < read); `failed` beats
//!   accepted and sent, and nothing moves a failed message on (`status_rank`, below);
//! - one history row per (wamid, status): a redelivered status changes nothing, a late one
//!   lands in the history only;
//! - a status for a wamid the gateway never sent creates an `external` row, which becomes
//!   the gateway's own when the send is recorded (a status may arrive before its send);
//! - an inbound message is stored once, and opens its customer's service window.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::webhook_intake::WebhookBatch;
use crate::webhook_routes::Route;
use crate::whole_reply::WholeReply;
use crate::{Dialect, Store, StoreResult, Timestamp};

/// How long a customer's message keeps the service window open.
pub const SERVICE_WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// Where a status stands; `None` for statuses that only go into the history (`played`, …).
fn status_rank(status: &str) -> Option<i64> {
    match status {
        "received" => Some(0),
        "accepted" => Some(10),
        "sent" => Some(20),
        // Above sent, below delivered: failed beats accepted and sent only.
        "failed" => Some(25),
        "delivered" => Some(30),
        "read" => Some(40),
        _ => None,
    }
}

/// A message of the ledger, with its status history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerMessage {
    pub wamid: String,
    /// `outbound` or `inbound`.
    pub direction: String,
    /// `gateway` (sent, or received, through the gateway) or `external` (sent around it).
    pub origin: String,
    #[serde(skip)]
    pub account_id: Uuid,
    pub connection_id: Option<Uuid>,
    pub phone_number_id: String,
    pub peer: String,
    #[serde(rename = "type")]
    pub message_type: Option<String>,
    pub status: String,
    pub errors: Option<Value>,
    pub statuses: Vec<StatusEntry>,
    pub content: Option<Value>,
    pub template_name: Option<String>,
    pub biz_opaque_callback_data: Option<String>,
    pub reply_to: Option<String>,
    pub profile_name: Option<String>,
    pub request_id: Option<String>,
    pub created_at: Timestamp,
}

/// One row of a message's status history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusEntry {
    pub status: String,
    /// Meta's time of the status.
    pub timestamp: Option<Timestamp>,
    /// When the gateway learnt it.
    pub received_at: Timestamp,
}

/// A send the gateway forwarded and Meta accepted.
#[derive(Debug, Clone)]
pub struct SendRecord {
    pub wamid: String,
    pub account_id: Uuid,
    pub connection_id: Uuid,
    pub phone_number_id: String,
    pub recipient: String,
    pub message_type: Option<String>,
    pub template_name: Option<String>,
    pub biz_opaque_callback_data: Option<String>,
    pub request_id: Option<String>,
    /// The request body as sent: JSON text, stored as it is (the ledger reads it back as
    /// JSON, so the writer spares itself a parse into a `Value` and a print back).
    pub content: Option<String>,
    pub sent_at: Timestamp,
}

/// A status as Meta reported it.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub wamid: String,
    pub status: String,
    pub timestamp_unix: Option<i64>,
    pub recipient_id: Option<String>,
    pub errors: Option<Value>,
    pub biz_opaque_callback_data: Option<String>,
}

/// A customer's message as Meta delivered it.
#[derive(Debug, Clone)]
pub struct InboundRecord {
    pub wamid: String,
    pub from: String,
    pub message_type: String,
    pub content: Value,
    pub reply_to: Option<String>,
    pub profile_name: Option<String>,
    pub timestamp_unix: Option<i64>,
    /// Whether it opens the window (a `system` notice does not: the customer did not write).
    pub opens_window: bool,
}

/// `GET /messages` filters; every one optional.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub direction: Option<String>,
    pub status: Option<String>,
    pub phone_number_id: Option<String>,
    pub peer: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// Where a newest-first page ends: the last row's (created_at, wamid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerCursor {
    pub created_at: i64,
    pub wamid: String,
}

/// A customer of one business number, with the last message exchanged.
#[derive(Debug, Clone)]
pub struct ConversationSummary {
    pub phone_number_id: String,
    pub wa_id: String,
    pub profile_name: Option<String>,
    pub last_message: LedgerMessage,
    /// When the customer last wrote (Unix seconds), if ever.
    pub last_inbound_unix: Option<i64>,
}

const MESSAGE_COLUMNS: &str = "wamid, direction, origin, account_id, connection_id, phone_number_id, peer, type, \
    status, errors, content, template_name, biz_opaque_callback_data, reply_to, profile_name, request_id, created_at";

impl Store {
    /// Records a send: a new `accepted` row, or the gateway's details merged into the row
    /// its statuses made first (which keeps its status).
    pub async fn record_send(&self, send: &SendRecord) -> StoreResult<()> {
        self.record_sends(std::slice::from_ref(send)).await
    }

    /// Records many sends in one transaction (the gateway's ledger writer batches them).
    ///
    /// They are inserted in the order of the thread index's key (account, business number,
    /// customer), then by wamid, which within a thread is also the wamid index's order, as
    /// Meta's wamids begin with the customer's number. Thousands of inserts in arrival order
    /// each land on an index page of their own, read back and written out again; in this
    /// order consecutive inserts share the pages the last ones left in SQLite's cache: for
    /// batches of 3,000, about a fifth less CPU and half the bytes written per send
    /// (docs/performance.md, eighth round).
    pub async fn record_sends(&self, sends: &[SendRecord]) -> StoreResult<()> {
        let mut sends: Vec<&SendRecord> = sends.iter().collect();
        // Stable: two records of one wamid keep the order they came in.
        sends.sort_by(|one, other| index_order(one).cmp(&index_order(other)));
        // One statement is a transaction of its own: a batch of one (sends that come one at a
        // time) spares the `BEGIN` and the `COMMIT`, on PostgreSQL two round trips of three.
        match sends.as_slice() {
            [] => return Ok(()),
            [_] => {
                record_sends_query(&sends).execute(&self.sends_pool).await?;
                return Ok(());
            }
            _ => {}
        }
        let mut tx = self.sends_pool.begin().await?;
        let commands: Vec<&[&SendRecord]> = match self.dialect {
            Dialect::Sqlite => sqlite_commands(&sends).collect(),
            Dialect::Postgres => sends.chunks(1).collect(),
        };
        for command in commands {
            record_sends_query(command).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One message of an account; another account's wamid is not found.
    pub async fn ledger_message(&self, account_id: Uuid, wamid: &str) -> StoreResult<Option<LedgerMessage>> {
        let mut tx = self.dialect.begin_snapshot(&self.pool).await?;
        let row = sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 AND wamid = $2"))
            .bind(account_id.to_string())
            .bind(wamid)
            .fetch_optional_whole(&mut *tx)
            .await?;
        let message = match row {
            Some(row) => with_statuses(&mut tx, vec![message_from_row(&row)?]).await?.pop(),
            None => None,
        };
        tx.commit().await?;
        Ok(message)
    }

    /// An account's messages, newest first, after `cursor`.
    pub async fn ledger_messages(
        &self,
        account_id: Uuid,
        filter: &MessageFilter,
        cursor: Option<&LedgerCursor>,
        limit: u32,
    ) -> StoreResult<Vec<LedgerMessage>> {
        let mut tx = self.dialect.begin_snapshot(&self.pool).await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE account_id = $1 AND ($2 IS NULL OR direction = $2) AND ($3 IS NULL OR status = $3)
               AND ($4 IS NULL OR phone_number_id = $4) AND ($5 IS NULL OR peer = $5)
               AND ($6 IS NULL OR created_at >= $6) AND ($7 IS NULL OR created_at < $7)
               AND ($8 IS NULL OR created_at < $8 OR (created_at = $8 AND wamid < $9))
             ORDER BY created_at DESC, wamid DESC LIMIT $10"
        ))
        .bind(account_id.to_string())
        .bind(&filter.direction)
        .bind(&filter.status)
        .bind(&filter.phone_number_id)
        .bind(&filter.peer)
        .bind(filter.since.map(Timestamp::unix_micros))
        .bind(filter.until.map(Timestamp::unix_micros))
        .bind(cursor.map(|cursor| cursor.created_at))
        .bind(cursor.map(|cursor| cursor.wamid.as_str()))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let messages = rows.iter().map(message_from_row).collect::<StoreResult<Vec<_>>>()?;
        let messages = with_statuses(&mut tx, messages).await?;
        tx.commit().await?;
        Ok(messages)
    }

    /// The thread of one customer with one business number of an account, oldest first.
    pub async fn ledger_thread(
        &self,
        account_id: Uuid,
        phone_number_id: &str,
        wa_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<LedgerMessage>> {
        let mut tx = self.dialect.begin_snapshot(&self.pool).await?;
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM (
                SELECT * FROM messages WHERE account_id = $1 AND phone_number_id = $2 AND peer = $3
                ORDER BY created_at DESC, wamid DESC LIMIT $4
             ) AS latest ORDER BY created_at, wamid"
        ))
        .bind(account_id.to_string())
        .bind(phone_number_id)
        .bind(wa_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let messages = rows.iter().map(message_from_row).collect::<StoreResult<Vec<_>>>()?;
        let messages = with_statuses(&mut tx, messages).await?;
        tx.commit().await?;
        Ok(messages)
    }

    /// An account's customers (per business number), the most recently active first.
    pub async fn ledger_conversations(
        &self,
        account_id: Uuid,
        phone_number_id: Option<&str>,
        cursor: Option<&LedgerCursor>,
        limit: u32,
    ) -> StoreResult<Vec<ConversationSummary>> {
        let mut tx = self.dialect.begin_snapshot(&self.pool).await?;
        // The last message of each (number, customer): no later one exists for the pair.
        let columns = MESSAGE_COLUMNS.split(", ").map(|column| format!("m.{column}")).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns}, w.last_inbound_unix,
                (SELECT i.profile_name FROM messages i WHERE i.account_id = m.account_id AND i.direction = 'inbound'
                   AND i.phone_number_id = m.phone_number_id AND i.peer = m.peer AND i.profile_name IS NOT NULL
                 ORDER BY i.created_at DESC LIMIT 1) AS peer_profile_name
             FROM messages m
             LEFT JOIN service_windows w ON w.phone_number_id = m.phone_number_id AND w.wa_id = m.peer
             WHERE m.account_id = $1 AND ($2 IS NULL OR m.phone_number_id = $2)
               AND NOT EXISTS (SELECT 1 FROM messages later WHERE later.account_id = m.account_id
                   AND later.phone_number_id = m.phone_number_id AND later.peer = m.peer
                   AND (later.created_at > m.created_at OR (later.created_at = m.created_at AND later.wamid > m.wamid)))
               AND ($3 IS NULL OR m.created_at < $3 OR (m.created_at = $3 AND m.wamid < $4))
             ORDER BY m.created_at DESC, m.wamid DESC LIMIT $5"
        ))
        .bind(account_id.to_string())
        .bind(phone_number_id)
        .bind(cursor.map(|cursor| cursor.created_at))
        .bind(cursor.map(|cursor| cursor.wamid.as_str()))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut summaries = Vec::with_capacity(rows.len());
        let mut last_messages = Vec::with_capacity(rows.len());
        for row in &rows {
            let message = message_from_row(row)?;
            summaries.push((
                row.try_get::<Option<String>, _>("peer_profile_name")?,
                row.try_get::<Option<i64>, _>("last_inbound_unix")?,
            ));
            last_messages.push(message);
        }
        let last_messages = with_statuses(&mut tx, last_messages).await?;
        tx.commit().await?;
        Ok(last_messages
            .into_iter()
            .zip(summaries)
            .map(|(last_message, (profile_name, last_inbound_unix))| ConversationSummary {
                phone_number_id: last_message.phone_number_id.clone(),
                wa_id: last_message.peer.clone(),
                profile_name,
                last_message,
                last_inbound_unix,
            })
            .collect())
    }

    /// When a customer last wrote to a business number (Unix seconds), if ever.
    pub async fn last_inbound(&self, phone_number_id: &str, wa_id: &str) -> StoreResult<Option<i64>> {
        let row =
            sqlx::query("SELECT last_inbound_unix FROM service_windows WHERE phone_number_id = $1 AND wa_id = $2")
                .bind(phone_number_id)
                .bind(wa_id)
                .fetch_optional_whole(&self.pool)
                .await?;
        Ok(row.map(|row| row.try_get("last_inbound_unix")).transpose()?)
    }
}

impl WebhookBatch {
    /// Applies one status (see the module's rules). Returns false for a duplicate.
    pub async fn record_status(
        &mut self,
        route: Route,
        phone_number_id: &str,
        report: &StatusReport,
    ) -> StoreResult<bool> {
        let received_at = self.received_at.unix_micros();
        let errors = report.errors.as_ref().map(Value::to_string);
        let recorded = sqlx::query(
            "INSERT INTO message_statuses (wamid, status, timestamp_unix, errors, received_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (wamid, status) DO NOTHING",
        )
        .bind(&report.wamid)
        .bind(&report.status)
        .bind(report.timestamp_unix)
        .bind(&errors)
        .bind(received_at)
        .execute(&mut *self.tx)
        .await?;
        if recorded.rows_affected() == 0 {
            return Ok(false);
        }
        let Some(rank) = status_rank(&report.status).filter(|rank| *rank >= 20) else { return Ok(true) };
        let created_at = report.timestamp_unix.map_or(received_at, |seconds| seconds.saturating_mul(1_000_000));
        sqlx::query(
            "INSERT INTO messages (wamid, direction, origin, account_id, connection_id, phone_number_id, peer, status,
                status_rank, errors, biz_opaque_callback_data, created_at, updated_at)
             VALUES ($1, 'outbound', 'external', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (wamid) DO UPDATE SET status = excluded.status, status_rank = excluded.status_rank,
                errors = COALESCE(excluded.errors, messages.errors),
                biz_opaque_callback_data = COALESCE(messages.biz_opaque_callback_data, excluded.biz_opaque_callback_data),
                updated_at = excluded.updated_at
             WHERE messages.direction = 'outbound' AND messages.status <> 'failed'
               AND messages.status_rank < excluded.status_rank",
        )
        .bind(&report.wamid)
        .bind(route.account_id.to_string())
        .bind(route.connection_id.to_string())
        .bind(phone_number_id)
        .bind(report.recipient_id.as_deref().unwrap_or_default())
        .bind(&report.status)
        .bind(rank)
        .bind(&errors)
        .bind(&report.biz_opaque_callback_data)
        .bind(created_at)
        .bind(received_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(true)
    }

    /// Stores a customer's message once and opens their window. Returns false for a duplicate.
    pub async fn record_inbound(
        &mut self,
        route: Route,
        phone_number_id: &str,
        inbound: &InboundRecord,
    ) -> StoreResult<bool> {
        // Ordered by arrival, like sends: Meta's timestamps have whole seconds only, which
        // would put a reply before the message it answers. Meta's time stays in `content`.
        let received_at = self.received_at.unix_micros();
        let created_at = received_at;
        let stored = sqlx::query(
            "INSERT INTO messages (wamid, direction, origin, account_id, connection_id, phone_number_id, peer, type,
                status, status_rank, content, reply_to, profile_name, created_at, updated_at)
             VALUES ($1, 'inbound', 'gateway', $2, $3, $4, $5, $6, 'received', 0, $7, $8, $9, $10, $11)
             ON CONFLICT (wamid) DO NOTHING",
        )
        .bind(&inbound.wamid)
        .bind(route.account_id.to_string())
        .bind(route.connection_id.to_string())
        .bind(phone_number_id)
        .bind(&inbound.from)
        .bind(&inbound.message_type)
        .bind(inbound.content.to_string())
        .bind(&inbound.reply_to)
        .bind(&inbound.profile_name)
        .bind(created_at)
        .bind(received_at)
        .execute(&mut *self.tx)
        .await?;
        if stored.rows_affected() == 0 {
            return Ok(false);
        }
        if let (true, Some(at)) = (inbound.opens_window, inbound.timestamp_unix.or(Some(received_at / 1_000_000))) {
            sqlx::query(
                "INSERT INTO service_windows (phone_number_id, wa_id, last_inbound_unix) VALUES ($1, $2, $3)
                 ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET last_inbound_unix = excluded.last_inbound_unix
                 WHERE service_windows.last_inbound_unix < excluded.last_inbound_unix",
            )
            .bind(phone_number_id)
            .bind(&inbound.from)
            .bind(at)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(true)
    }
}

/// Fills in the status history of `messages`, read in the same transaction (so the same
/// snapshot) as the messages themselves.
async fn with_statuses(
    tx: &mut Transaction<'static, Any>,
    mut messages: Vec<LedgerMessage>,
) -> StoreResult<Vec<LedgerMessage>> {
    if messages.is_empty() {
        return Ok(messages);
    }
    let placeholders = (1..=messages.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT wamid, status, timestamp_unix, received_at FROM message_statuses WHERE wamid IN ({placeholders})
         ORDER BY received_at, timestamp_unix"
    );
    let mut query = sqlx::query(&sql);
    for message in &messages {
        query = query.bind(&message.wamid);
    }
    for row in query.fetch_all(&mut **tx).await? {
        let wamid: String = row.try_get("wamid")?;
        let entry = StatusEntry {
            status: row.try_get("status")?,
            timestamp: row
                .try_get::<Option<i64>, _>("timestamp_unix")?
                .map(|seconds| Timestamp::from_unix_micros(seconds.saturating_mul(1_000_000))),
            received_at: Timestamp::from_unix_micros(row.try_get("received_at")?),
        };
        for message in messages.iter_mut().filter(|message| message.wamid == wamid) {
            message.statuses.push(entry.clone());
        }
    }
    for message in &mut messages {
        // Meta's order, not arrival order: the history reads as what happened.
        message.statuses.sort_by_key(|entry| (entry.timestamp, status_rank(&entry.status)));
    }
    Ok(messages)
}

/// Sends one SQLite command records at most. The statements of one command run on sqlx's
/// SQLite thread in one visit, and each visit costs thread switches that, on the benchmark's
/// one core, were a third of a send's record (`docs/performance.md`, fifth round).
const MOST_SENDS_PER_SQLITE_COMMAND: usize = 64;

/// The commands recording 1, 2, 4, … [`MOST_SENDS_PER_SQLITE_COMMAND`] sends (index: the
/// power of two), made once. Only these sizes, so each connection's statement cache holds
/// seven of them, 127 prepared INSERTs, whatever the batches were.
static RECORD_SENDS_SQL: LazyLock<Vec<String>> = LazyLock::new(|| {
    (0..=MOST_SENDS_PER_SQLITE_COMMAND.ilog2())
        .map(|power| {
            let count = 1 << power;
            (0..count).map(|index| record_send_sql(index * SEND_PARAMETERS)).collect::<Vec<_>>().join(";\n")
        })
        .collect()
});

/// `sends` cut into runs of at most [`MOST_SENDS_PER_SQLITE_COMMAND`], each a power of two
/// long (the longest that fits first).
fn sqlite_commands<T>(mut sends: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        let size = 1 << sends.len().min(MOST_SENDS_PER_SQLITE_COMMAND).checked_ilog2()?;
        let (command, rest) = sends.split_at(size);
        sends = rest;
        Some(command)
    })
}

/// The values [`bind_send`] binds for one send.
const SEND_PARAMETERS: usize = 11;

/// One send's INSERT, its placeholders numbered from `offset + 1`.
fn record_send_sql(offset: usize) -> String {
    let p = |n: usize| format!("${}", offset + n);
    format!(
        "INSERT INTO messages (wamid, direction, origin, account_id, connection_id, phone_number_id, peer, type,
            status, status_rank, content, template_name, biz_opaque_callback_data, created_at, updated_at, request_id)
         VALUES ({}, 'outbound', 'gateway', {}, {}, {}, {}, {}, 'accepted', 10, {}, {}, {}, {}, {}, {})
         ON CONFLICT (wamid) DO UPDATE SET origin = 'gateway', connection_id = excluded.connection_id,
            type = excluded.type, content = excluded.content, template_name = excluded.template_name,
            biz_opaque_callback_data = COALESCE(excluded.biz_opaque_callback_data, messages.biz_opaque_callback_data),
            request_id = excluded.request_id, created_at = excluded.created_at, updated_at = excluded.updated_at
         WHERE messages.account_id = excluded.account_id AND messages.direction = 'outbound'",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(6),
        p(7),
        p(8),
        p(9),
        p(10),
        p(10),
        p(11),
    )
}

/// A query recording `sends`: a power of two of them up to [`MOST_SENDS_PER_SQLITE_COMMAND`]
/// on SQLite, one on PostgreSQL (a prepared query there is one statement).
fn record_sends_query<'q>(sends: &[&'q SendRecord]) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    debug_assert!(sends.len().is_power_of_two() && sends.len() <= MOST_SENDS_PER_SQLITE_COMMAND);
    let sql = &RECORD_SENDS_SQL[sends.len().ilog2() as usize];
    sends.iter().copied().fold(sqlx::query(sql), bind_send)
}

/// The order [`Store::record_sends`] inserts in.
fn index_order(send: &SendRecord) -> (Uuid, &str, &str, &str) {
    (send.account_id, &send.phone_number_id, &send.recipient, &send.wamid)
}

/// Binds one send's [`SEND_PARAMETERS`] values, in `record_send_sql`'s order.
fn bind_send<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    send: &'q SendRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&send.wamid)
        .bind(send.account_id.to_string())
        .bind(send.connection_id.to_string())
        .bind(&send.phone_number_id)
        .bind(&send.recipient)
        .bind(&send.message_type)
        .bind(&send.content)
        .bind(&send.template_name)
        .bind(&send.biz_opaque_callback_data)
        .bind(send.sent_at.unix_micros())
        .bind(&send.request_id)
}

fn message_from_row(row: &AnyRow) -> StoreResult<LedgerMessage> {
    let json = |name: &str| -> StoreResult<Option<Value>> {
        Ok(row.try_get::<Option<String>, _>(name)?.and_then(|text| serde_json::from_str(&text).ok()))
    };
    Ok(LedgerMessage {
        wamid: row.try_get("wamid")?,
        direction: row.try_get("direction")?,
        origin: row.try_get("origin")?,
        account_id: parse_uuid(row.try_get("account_id")?)?,
        connection_id: row.try_get::<Option<String>, _>("connection_id")?.map(parse_uuid).transpose()?,
        phone_number_id: row.try_get("phone_number_id")?,
        peer: row.try_get("peer")?,
        message_type: row.try_get("type")?,
        status: row.try_get("status")?,
        errors: json("errors")?,
        statuses: Vec::new(),
        content: json("content")?,
        template_name: row.try_get("template_name")?,
        biz_opaque_callback_data: row.try_get("biz_opaque_callback_data")?,
        reply_to: row.try_get("reply_to")?,
        profile_name: row.try_get("profile_name")?,
        request_id: row.try_get("request_id")?,
        created_at: Timestamp::from_unix_micros(row.try_get("created_at")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sends(count: usize) -> Vec<SendRecord> {
        let send = SendRecord {
            wamid: "wamid.X".into(),
            account_id: Uuid::nil(),
            connection_id: Uuid::nil(),
            phone_number_id: "1".into(),
            recipient: "2".into(),
            message_type: None,
            content: None,
            template_name: None,
            biz_opaque_callback_data: None,
            sent_at: Timestamp::from_unix_micros(0),
            request_id: None,
        };
        vec![send; count]
    }

    #[test]
    fn a_batch_is_cut_into_powers_of_two_up_to_the_most_per_command() {
        let sizes = |count| sqlite_commands(&sends(count)).map(<[SendRecord]>::len).collect::<Vec<_>>();
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(63), [32, 16, 8, 4, 2, 1]);
        assert_eq!(sizes(64), [64]);
        assert_eq!(sizes(152), [64, 64, 16, 8]);
        assert_eq!(sizes(256), [64, 64, 64, 64]);
    }

    #[test]
    fn each_command_numbers_its_placeholders_on_from_the_last() {
        let two = &RECORD_SENDS_SQL[1];
        assert_eq!(two.matches("INSERT INTO messages").count(), 2);
        assert!(two.contains("VALUES ($12, 'outbound'") && two.contains("$22)"), "{two}");
        assert!(!RECORD_SENDS_SQL[6].contains(&format!("${}", 64 * SEND_PARAMETERS + 1)));
    }
}
