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
//! - [`inbound`], [`inbound_cli`]: customer messages from testers.
//! - [`args`]: the `--webhook-…` flags.

pub mod args;
pub mod config;
pub mod deliverer;
pub mod delivery_log;
pub mod handshake;
pub mod inbound;
pub mod inbound_cli;
pub mod json_encoding;
pub mod payload;
pub mod retry;
pub mod signature;
pub mod subscriptions;

mod control;
mod control_error;
mod destinations;
mod subscribed_apps;

use axum::Router;
use axum::routing::{get, post};

use crate::state::SandboxState;

pub use args::WebhookArgs;
pub use config::{AppWebhook, WebhookConfigs};
pub use control_error::ControlError;
pub use deliverer::{DeliverySettings, spawn_deliverer};
pub use delivery_log::{DeliveryAttempt, DeliveryLog};
pub use inbound::{InboundAccepted, InboundRequest, inject_inbound};
pub use inbound_cli::{InboundArgs, run_inbound};
pub use subscriptions::WabaSubscriptions;

/// The webhook side's part of [`SandboxState`].
#[derive(Debug)]
pub struct WebhookState {
    configs: WebhookConfigs,
    subscriptions: WabaSubscriptions,
    deliveries: DeliveryLog,
    /// Shared by deliveries and handshakes; it goes to configured callbacks only.
    client: reqwest::Client,
}

impl Default for WebhookState {
    fn default() -> Self {
        // Callbacks are local test receivers: an HTTP(S)_PROXY of the environment must not
        // intercept them.
        let client = reqwest::Client::builder().no_proxy().build().unwrap_or_default();
        Self {
            configs: WebhookConfigs::default(),
            subscriptions: WabaSubscriptions::default(),
            deliveries: DeliveryLog::default(),
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
        .route("/__sandbox/inbound", post(inbound::inject))
}
