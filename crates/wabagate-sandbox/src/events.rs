//! What the Graph side tells the webhook side: one event per thing Meta would report
//! through a webhook. Handlers publish without waiting; the deliverer turns events into
//! Meta's payloads, signs them and posts them with retries.

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

/// A Graph error as it appears inside a `failed` status webhook (`statuses[].errors[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsyncError {
    pub code: u32,
    pub title: String,
    pub message: String,
    pub details: String,
}

/// Something that happened on Meta's side and that a subscribed app hears about.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SandboxEvent {
    /// A send was accepted (HTTP 200 with a wamid). `failure` is set when Meta would
    /// fail it later (e.g. 131047 outside the 24-hour window): one `failed` status
    /// follows instead of `sent` → `delivered` → `read`.
    MessageAccepted {
        waba_id: String,
        phone_number_id: String,
        display_phone_number: String,
        wamid: String,
        recipient_wa_id: String,
        failure: Option<AsyncError>,
        /// `text`, `reaction`, …: reactions only ever get `sent`.
        #[serde(default)]
        message_type: String,
        /// Echoed on the message's statuses.
        #[serde(default)]
        biz_opaque_callback_data: Option<String>,
        /// Sent to a group (`recipient_wa_id` is then the group id): only `sent` follows,
        /// since no participant's phone is there to report delivery.
        #[serde(default)]
        to_group: bool,
    },
    /// A template changed status (APPROVED, REJECTED, …): `message_template_status_update`.
    TemplateStatusChanged {
        waba_id: String,
        template_id: String,
        name: String,
        language: String,
        status: String,
        reason: Option<String>,
    },
    /// A customer wrote to a business number. `message` is the WhatsApp message object
    /// as it appears in `value.messages[]` (with `from`, `id`, `timestamp`, `type`, …).
    InboundMessage {
        waba_id: String,
        phone_number_id: String,
        display_phone_number: String,
        profile_name: String,
        message: serde_json::Value,
    },
}

/// The sending half every handler holds. Publishing never blocks and never fails the
/// request: with no deliverer listening, events are dropped as Meta drops webhooks for
/// an app with no callback URL.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: mpsc::UnboundedSender<SandboxEvent>,
}

impl EventBus {
    /// A bus and the receiving half the webhook deliverer drains.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<SandboxEvent>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Self { sender }, receiver)
    }

    pub fn publish(&self, event: SandboxEvent) {
        let _ = self.sender.send(event);
    }
}
