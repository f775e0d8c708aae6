//! Meta's webhooks: each app's callback configuration, WABA subscriptions
//! (`/{version}/{waba_id}/subscribed_apps`), the verification handshake, and the
//! deliverer that turns [`crate::events::SandboxEvent`]s into signed POSTs of Meta's
//! payloads with retries (meta-oauth-and-webhooks.md §8–§13). It also injects inbound
//! customer messages. It never calls a URL other than a configured callback.
//!
//! - [`config`], [`subscriptions`]: where notifications may go.
//! - [`handshake`]: the `hub.challenge` GET.
//! - [`payload`], [`json_encoding`], [`signature`]: what is sent, byte for byte.
//! - [`deliverer`], [`retry`], [`delivery_log`]: when and how it is sent.
//! - [`habits`], [`sent_bodies`]: Meta's worst habits on demand (duplicates, reordering,
//!   batches) and redelivering a past POST byte for byte.
//! - [`bsuid`]: business-scoped user ids in payloads.
//! - [`inbound`], [`inbound_cli`]: customer messages from testers.
//! - [`args`]: the `--webhook-…` flags.

pub mod args;
pub mod bsuid;
pub mod config;
pub mod deliverer;
pub mod delivery_log;
pub mod habits;
pub mod handshake;
pub mod inbound;
pub mod inbound_cli;
pub mod json_encoding;
pub mod payload;
pub mod retry;
pub mod sent_bodies;
pub mod signature;
pub mod subscriptions;

mod control;
mod control_error;
mod destinations;
mod habits_control;
mod subscribed_apps;

use std::sync::Mutex;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::mpsc;

use crate::bounded_log::BoundedLog;
use crate::state::SandboxState;

pub use args::WebhookArgs;
pub use config::{AppWebhook, WebhookConfigs};
pub use control_error::ControlError;
pub use deliverer::{DeliverySettings, spawn_deliverer};
pub use delivery_log::{DeliveryAttempt, DeliveryLog};
pub use inbound::{InboundAccepted, InboundRequest, inject_inbound, is_known_message};
pub use inbound_cli::{InboundArgs, run_inbound};
pub use subscriptions::WabaSubscriptions;

/// The webhook side's part of [`SandboxState`].
#[derive(Debug)]
pub struct WebhookState {
    configs: WebhookConfigs,
    subscriptions: WabaSubscriptions,
    deliveries: DeliveryLog,
    habits: habits::DeliveryHabits,
    sent_bodies: sent_bodies::SentBodies,
    /// The inbound messages injected lately, so sends can refer to them (reactions).
    inbound: BoundedLog<inbound::InboundRecord>,
    /// POSTs the control endpoints ask for, made by the deliverer (which takes the receiver).
    dispatch: mpsc::UnboundedSender<Dispatch>,
    dispatched: Mutex<Option<mpsc::UnboundedReceiver<Dispatch>>>,
    /// Shared by deliveries and handshakes; it goes to configured callbacks only.
    client: reqwest::Client,
}

/// A POST asked for outside the event flow.
#[derive(Debug)]
pub enum Dispatch {
    /// A notification let go by the habits (released, or no longer held).
    Notify(habits::Outgoing),
    /// A past POST again, byte for byte.
    Redeliver(sent_bodies::SentPost),
}

impl Default for WebhookState {
    fn default() -> Self {
        // Callbacks are local test receivers: an HTTP(S)_PROXY of the environment must not
        // intercept them.
        let client = reqwest::Client::builder().no_proxy().build().unwrap_or_default();
        let (dispatch, dispatched) = mpsc::unbounded_channel();
        Self {
            configs: WebhookConfigs::default(),
            subscriptions: WabaSubscriptions::default(),
            deliveries: DeliveryLog::default(),
            habits: habits::DeliveryHabits::default(),
            sent_bodies: sent_bodies::SentBodies::default(),
            inbound: BoundedLog::new(inbound::INBOUND_LOG_CAPACITY),
            dispatch,
            dispatched: Mutex::new(Some(dispatched)),
            client,
        }
    }
}

impl WebhookState {
    pub fn configs(&self) -> &WebhookConfigs {
        &self.configs
    }

    pub fn subscriptions(&self) -> &WabaSubscriptions {
        &self.subscriptions
    }

    pub fn deliveries(&self) -> &DeliveryLog {
        &self.deliveries
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn habits(&self) -> &habits::DeliveryHabits {
        &self.habits
    }

    pub fn sent_bodies(&self) -> &sent_bodies::SentBodies {
        &self.sent_bodies
    }

    pub fn inbound(&self) -> &BoundedLog<inbound::InboundRecord> {
        &self.inbound
    }

    /// Asks the deliverer for a POST; dropped when no deliverer runs.
    pub fn dispatch(&self, dispatch: Dispatch) {
        let _ = self.dispatch.send(dispatch);
    }

    /// The receiving half of [`WebhookState::dispatch`], for the one deliverer.
    fn take_dispatched(&self) -> Option<mpsc::UnboundedReceiver<Dispatch>> {
        self.dispatched.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}

/// `subscribed_apps` (Graph) and the `/__sandbox/webhooks…` and `/__sandbox/inbound`
/// control endpoints. The Graph route's path parameters are named `{version}` and `{id}`
/// so that it merges with the Graph side's `/{version}/{id}/…` routes.
pub fn router() -> Router<SandboxState> {
    Router::new()
        .route(
            "/{version}/{id}/subscribed_apps",
            get(subscribed_apps::list).post(subscribed_apps::subscribe).delete(subscribed_apps::unsubscribe),
        )
        .route("/__sandbox/webhooks", get(control::show).post(control::configure).delete(control::remove))
        .route("/__sandbox/webhooks/verify", post(control::verify))
        .route("/__sandbox/webhooks/deliveries", get(control::deliveries))
        .route("/__sandbox/webhooks/deliveries/{id}/redeliver", post(habits_control::redeliver))
        .route("/__sandbox/webhooks/mode", get(habits_control::show_mode).post(habits_control::set_mode))
        .route("/__sandbox/webhooks/release", post(habits_control::release))
        .route("/__sandbox/inbound", post(inbound::inject))
}
