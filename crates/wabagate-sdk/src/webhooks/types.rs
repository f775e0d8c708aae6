//! The subscription objects as the control API writes them (`/webhooks…`). Fields this
//! SDK does not know are ignored; fields a gateway may leave out are optional, so a newer
//! or older gateway still reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ledger::CursorPaging;

/// One subscription: where an account's events are POSTed, which ones, signed how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// Event types or patterns (`message.*`).
    #[serde(default)]
    pub events: Vec<String>,
    /// Only events of these phone numbers; empty or absent means all of the account's.
    #[serde(default)]
    pub phone_number_ids: Option<Vec<String>>,
    #[serde(default)]
    pub description: Option<String>,
    /// `active`, or `disabled` (by the owner, a 410 answer, or five days of failures).
    #[serde(default)]
    pub status: String,
    /// Why it was disabled (`gone`: the endpoint answered 410; `failing`: five days of failures).
    #[serde(default)]
    pub disabled_reason: Option<String>,
    #[serde(default)]
    pub created_at: String,
    /// Since when every delivery has failed, while that lasts.
    #[serde(default)]
    pub failing_since: Option<String>,
    /// The signing secret (`whsec_…`), present only when it is new: in the answer of a
    /// create and of a rotation. Shown once; the gateway keeps it sealed.
    #[serde(default)]
    pub secret: Option<String>,
}

/// `{"webhook": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneWebhook {
    pub webhook: Webhook,
}

/// `{"webhooks": […]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// One event's delivery to one subscription, with every attempt made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    /// The `webhook-id` every attempt and replay carries.
    #[serde(default, alias = "webhook_id")]
    pub event_id: Option<String>,
    /// The event type, e.g. `message.delivered`.
    #[serde(default, rename = "type", alias = "event_type")]
    pub kind: String,
    /// `pending`, `in_flight`, `delivered`, `failed` (retries to come), `dead` or `skipped`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// When the next attempt is due, while retries remain.
    #[serde(default)]
    pub next_attempt_at: Option<String>,
    #[serde(default)]
    pub attempts: Vec<DeliveryAttempt>,
}

/// One POST of a delivery and what the endpoint answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    #[serde(default, alias = "attempted_at", alias = "time")]
    pub at: String,
    /// The endpoint's HTTP status; `None` when no answer came (timeout, refused, …).
    #[serde(default, alias = "status", alias = "http_status")]
    pub status_code: Option<u16>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
    /// The first 1 KiB of the endpoint's answer.
    #[serde(default, alias = "response")]
    pub response_body: Option<String>,
}

impl Delivery {
    /// The most recent attempt, if one was made.
    pub fn last_attempt(&self) -> Option<&DeliveryAttempt> {
        self.attempts.last()
    }
}

/// One page of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
    #[serde(default)]
    pub paging: CursorPaging,
}

/// `{"queued": n}`: how many deliveries a replay queued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub queued: u64,
}

/// The answer to `POST /webhooks/{id}/test` or to a single delivery's replay: whatever
/// the gateway tells of what it queued, kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Accepted(pub Value);

impl Accepted {
    /// The id of the event or delivery queued, where the answer names one.
    pub fn id(&self) -> Option<&str> {
        let value = &self.0;
        [value.pointer("/delivery/id"), value.pointer("/event/id"), value.get("event_id"), value.get("id")]
            .into_iter()
            .flatten()
            .find_map(Value::as_str)
    }
}

impl crate::ledger::CursorPage for DeliveryList {
    type Item = Delivery;
    fn into_parts(self) -> (Vec<Delivery>, Option<String>) {
        (self.deliveries, self.paging.next_cursor)
    }
}
