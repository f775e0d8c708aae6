//! The sends the sandbox accepted, newest last, for `GET /__sandbox/messages`: what a
//! test asserts "Meta" was asked to deliver.

use serde::Serialize;
use wabagate_model::message::OutgoingMessage;

use crate::events::AsyncError;

/// One accepted send.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedMessage {
    pub wamid: String,
    pub phone_number_id: String,
    pub waba_id: String,
    /// The `to` the business wrote.
    pub input: String,
    /// What Meta made of it; for a group, the group id.
    pub wa_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Unix seconds, sandbox clock.
    pub timestamp: i64,
    /// Set when Meta will report the send as `failed` instead of delivering it.
    pub failure: Option<AsyncError>,
    /// The message as it was sent, in Meta's wire shape.
    pub message: OutgoingMessage,
}
