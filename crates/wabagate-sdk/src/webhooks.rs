//! Event subscriptions (`/webhooks…`): the endpoints an account's events are POSTed to,
//! signed per Standard Webhooks, their delivery log, replays, secret rotation and test
//! events. Another account's subscription is a 404, as a missing one is.
//!
//! - `types`: the subscription, delivery and attempt objects as the gateway writes them.

mod types;

use reqwest::Method;
use serde::Serialize;
use url::Url;

pub use types::{Accepted, Delivery, DeliveryAttempt, DeliveryList, OneWebhook, Queued, Webhook, WebhookList};

use crate::client::Client;
use crate::error::Error;
use crate::events::check_event_patterns;
use crate::ledger::follow_cursor;
use crate::response::{ApiResponse, Paged};
use crate::send::require_id;
use crate::transport::Retry;

/// A new subscription: `POST /webhooks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewWebhook {
    /// An `https://` URL (plain http and private addresses only where the gateway allows them).
    pub url: String,
    /// Event types or patterns: `message.received`, `message.*`, `*`.
    pub events: Vec<String>,
    /// Only events of these phone numbers; `None` for all of the account's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Changes to a subscription (`PATCH /webhooks/{id}`); `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebhookUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// `Some(vec![])` removes the filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `active` (enable again, e.g. after a 410 disabled it) or `disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Which deliveries to list; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryQuery {
    /// `pending`, `delivered`, `failed`, `dead` or `skipped`.
    pub status: Option<String>,
    /// An event type, e.g. `message.read`.
    pub kind: Option<String>,
    /// Start from this page (a `next_cursor` of an earlier listing).
    pub cursor: Option<String>,
    /// Stop after this many deliveries; `None` follows every page.
    pub max_items: Option<usize>,
}

/// Which deliveries of a subscription to send again (`POST /webhooks/{id}/replay`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplayRange {
    /// RFC 3339, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// RFC 3339, exclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Only deliveries in this status, e.g. `dead`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl Client {
    /// Subscribes `webhook.url` to the account's events. The answer holds the signing
    /// secret, which the gateway never shows again. Patterns are checked locally first.
    pub async fn create_webhook(&self, webhook: &NewWebhook) -> Result<ApiResponse<OneWebhook>, Error> {
        require_id("url", &webhook.url)?;
        check_event_patterns(&webhook.events)?;
        let url = self.control_url(&["webhooks"]);
        self.send_json(Retry::Never, Method::POST, url, webhook).await
    }

    /// The account's subscriptions (without their secrets).
    pub async fn list_webhooks(&self) -> Result<ApiResponse<WebhookList>, Error> {
        let url = self.control_url(&["webhooks"]);
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    pub async fn webhook(&self, webhook_id: &str) -> Result<ApiResponse<OneWebhook>, Error> {
        let url = self.webhook_url(webhook_id, &[])?;
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    pub async fn update_webhook(
        &self,
        webhook_id: &str,
        update: &WebhookUpdate,
    ) -> Result<ApiResponse<OneWebhook>, Error> {
        if let Some(events) = &update.events {
            check_event_patterns(events)?;
        }
        let url = self.webhook_url(webhook_id, &[])?;
        // The same changes applied twice leave the subscription as once does.
        self.send_json(Retry::Idempotent, Method::PATCH, url, update).await
    }

    /// Deletes the subscription; its pending deliveries are not sent.
    pub async fn delete_webhook(&self, webhook_id: &str) -> Result<ApiResponse<serde_json::Value>, Error> {
        let url = self.webhook_url(webhook_id, &[])?;
        self.execute_json(Retry::Idempotent, || self.request(Method::DELETE, url.clone())).await
    }

    /// A new signing secret, in the answer's `webhook.secret`; the old one keeps signing
    /// beside it for 24 hours, so receivers can switch without losing a delivery.
    pub async fn rotate_webhook_secret(&self, webhook_id: &str) -> Result<ApiResponse<OneWebhook>, Error> {
        let url = self.webhook_url(webhook_id, &["rotate-secret"])?;
        self.execute_json(Retry::Never, || self.request(Method::POST, url.clone())).await
    }

    /// Queues a `webhook.test` event to the subscription.
    pub async fn test_webhook(&self, webhook_id: &str) -> Result<ApiResponse<Accepted>, Error> {
        let url = self.webhook_url(webhook_id, &["test"])?;
        self.execute_json(Retry::Never, || self.request(Method::POST, url.clone())).await
    }

    /// The subscription's deliveries, newest first, each with its attempts; every page
    /// followed unless [`DeliveryQuery::max_items`] stops earlier.
    pub async fn list_deliveries(&self, webhook_id: &str, query: &DeliveryQuery) -> Result<Paged<Delivery>, Error> {
        let mut url = self.webhook_url(webhook_id, &["deliveries"])?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in [("status", &query.status), ("type", &query.kind)] {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        follow_cursor::<DeliveryList>(self, url, query.cursor.clone(), query.max_items).await
    }

    /// Sends one delivery again, with the same `webhook-id`.
    pub async fn replay_delivery(&self, webhook_id: &str, delivery_id: &str) -> Result<ApiResponse<Accepted>, Error> {
        require_id("delivery_id", delivery_id)?;
        let url = self.webhook_url(webhook_id, &["deliveries", delivery_id, "replay"])?;
        self.execute_json(Retry::Never, || self.request(Method::POST, url.clone())).await
    }

    /// Sends the subscription's deliveries in `range` again; answers how many were queued.
    pub async fn replay_deliveries(&self, webhook_id: &str, range: &ReplayRange) -> Result<ApiResponse<Queued>, Error> {
        let url = self.webhook_url(webhook_id, &["replay"])?;
        self.send_json(Retry::Never, Method::POST, url, range).await
    }

    /// `/webhooks/{id}/{rest…}`, the id checked and percent-encoded.
    fn webhook_url(&self, webhook_id: &str, rest: &[&str]) -> Result<Url, Error> {
        require_id("webhook_id", webhook_id)?;
        let mut segments = vec!["webhooks", webhook_id];
        segments.extend_from_slice(rest);
        Ok(self.control_url(&segments))
    }

    /// A JSON body sent with `method` to `url`.
    async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        retry: Retry,
        method: Method,
        url: Url,
        body: &impl Serialize,
    ) -> Result<ApiResponse<T>, Error> {
        let body = serde_json::to_vec(body).expect("a request body serialises");
        self.execute_json(retry, || {
            self.request(method.clone(), url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }
}
