//! Outbound events: each account's messages, statuses, template and connection changes,
//! delivered to its own endpoints (signed per Standard Webhooks, at least once, from the
//! durable outbox of the store) and streamed as Server-Sent Events.
//!
//! - [`derive`]: the events of Meta's webhook items, published by `inbound::apply` inside
//!   the transaction that changes the ledger.
//! - [`api`]: `/webhooks`, the subscriptions, their delivery log and replays.
//! - [`destination`]: the SSRF guard (which URLs and resolved addresses may be reached).
//! - [`signing`]: the Standard Webhooks headers.
//! - [`schedule`]: when a failed delivery is tried again.
//! - [`worker`]: the task that claims due deliveries and attempts them.
//! - [`stream`]: `GET /events/stream`.
//! - [`metrics`]: the outbox's series on `/metrics`.
//! - [`wake_ups`]: another instance's publications, told by the store, passed on here.

mod api;
pub(crate) mod derive;
pub mod destination;
mod metrics;
mod schedule;
mod signing;
mod stream;
mod wake_ups;
mod worker;

use axum::Router;

use crate::state::AppState;

pub(crate) use metrics::OutboxMetrics;

/// The delivery worker, and the wake-ups that bring it (and the streams) what other
/// instances publish. Runs until aborted.
pub(crate) async fn deliver(state: AppState) {
    tokio::join!(worker::run(state.clone()), wake_ups::run(state));
}

pub(crate) use wabagate_model::event_type::EVENT_TYPES;

pub(crate) fn router() -> Router<AppState> {
    api::router().merge(stream::router())
}

/// Tells the delivery worker and the open streams that events were published (after the
/// transaction that published them committed), here or, on PostgreSQL, by another instance
/// ([`wake_ups`]). Both also poll, which is how other writes (another process on SQLite, a
/// store verb that does not call this) are seen.
#[derive(Debug)]
pub(crate) struct Published(tokio::sync::watch::Sender<u64>);

impl Published {
    pub(crate) fn new() -> Self {
        Self(tokio::sync::watch::channel(0).0)
    }

    pub(crate) fn published(&self) {
        self.0.send_modify(|count| *count = count.wrapping_add(1));
    }

    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.subscribe()
    }
}
