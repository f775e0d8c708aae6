//! The ledger's objects as the control API writes them. Meta's own objects (a message's
//! `content`, a template's `components`) are kept as JSON, as received; enums accept
//! values this SDK does not know yet as `Unknown`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageDirection {
    /// From the business to a customer.
    Outbound,
    /// From a customer to the business.
    Inbound,
    #[serde(other)]
    Unknown,
}

impl MessageDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outbound => "outbound",
            Self::Inbound => "inbound",
            Self::Unknown => "unknown",
        }
    }

    /// Case-insensitive; `None` for anything but `outbound` and `inbound`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Outbound, Self::Inbound]
            .into_iter()
            .find(|direction| direction.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Who sent an outbound message: through this gateway, or around it (seen in webhooks only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageOrigin {
    Gateway,
    External,
    #[serde(other)]
    Unknown,
}

/// Where a message is: outbound ones move `accepted` → `sent` → `delivered` → `read`, or
/// end `failed`; inbound ones are `received`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    Accepted,
    Sent,
    Delivered,
    Read,
    Failed,
    Received,
    #[serde(other)]
    Unknown,
}

impl MessageStatus {
    /// Every status a filter may name.
    pub const ALL: [MessageStatus; 6] =
        [Self::Accepted, Self::Sent, Self::Delivered, Self::Read, Self::Failed, Self::Received];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::Received => "received",
            Self::Unknown => "unknown",
        }
    }

    /// Case-insensitive; `None` for anything but [`MessageStatus::ALL`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The place of an outbound status on the way to `read`; `None` off that way.
    pub fn progress(self) -> Option<u8> {
        match self {
            Self::Accepted => Some(0),
            Self::Sent => Some(1),
            Self::Delivered => Some(2),
            Self::Read => Some(3),
            Self::Failed | Self::Received | Self::Unknown => None,
        }
    }

    /// Whether a message in this status has been `target` or gone past it (`read` has
    /// reached `sent`).
    pub fn has_reached(self, target: MessageStatus) -> bool {
        match (self.progress(), target.progress()) {
            (Some(current), Some(target)) => current >= target,
            _ => self == target,
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a message's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: MessageStatus,
    /// Meta's time of the status (RFC 3339).
    pub timestamp: String,
    /// When the gateway heard of it (RFC 3339).
    #[serde(default)]
    pub received_at: String,
}

/// One of Meta's error objects of a `failed` status (`statuses[].errors[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageError {
    pub code: u32,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

impl MessageError {
    /// `error_data.details`: what went wrong, in Meta's words.
    pub fn details(&self) -> Option<&str> {
        self.error_data.as_ref()?.get("details")?.as_str()
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let summary = if self.message.is_empty() { &self.title } else { &self.message };
        write!(f, "(#{}) {summary}", self.code)?;
        match self.details() {
            Some(details) if !details.is_empty() && details != summary => write!(f, ": {details}"),
            _ => Ok(()),
        }
    }
}

/// A message of the ledger, either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerMessage {
    pub wamid: String,
    pub direction: MessageDirection,
    pub origin: MessageOrigin,
    #[serde(default)]
    pub connection_id: Option<String>,
    pub phone_number_id: String,
    /// The customer's wa_id, or the group id of a group message.
    pub peer: String,
    /// `text`, `image`, `template`, …; empty for a message the gateway knows only from its
    /// statuses (sent around it), whose type Meta does not report.
    #[serde(rename = "type", default, deserialize_with = "null_as_empty")]
    pub kind: String,
    pub status: MessageStatus,
    /// Meta's error objects when the message failed.
    #[serde(default)]
    pub errors: Option<Vec<MessageError>>,
    #[serde(default)]
    pub statuses: Vec<StatusChange>,
    /// Meta's message object, as sent or received.
    #[serde(default)]
    pub content: Value,
    #[serde(default)]
    pub template_name: Option<String>,
    #[serde(default)]
    pub biz_opaque_callback_data: Option<String>,
    /// The wamid this message replies to.
    #[serde(default)]
    pub reply_to: Option<String>,
    #[serde(default)]
    pub profile_name: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub created_at: String,
}

impl LedgerMessage {
    /// The first of Meta's errors, when the message failed.
    pub fn first_error(&self) -> Option<&MessageError> {
        self.errors.as_deref()?.first()
    }

    /// A text message's body, for one-line summaries.
    pub fn text_body(&self) -> Option<&str> {
        self.content.pointer("/text/body")?.as_str()
    }
}

/// `{"message": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneMessage {
    pub message: LedgerMessage,
}

/// The control API's keyset paging: ask again with `cursor=next_cursor` until it is null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPaging {
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// One page of `GET /messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageList {
    pub messages: Vec<LedgerMessage>,
    #[serde(default)]
    pub paging: CursorPaging,
}

/// A customer's 24-hour service window with one business number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceWindow {
    pub open: bool,
    /// RFC 3339; `None` when the customer never wrote.
    #[serde(default)]
    pub open_until: Option<String>,
}

/// A customer of one business number, as `GET /conversations` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub phone_number_id: String,
    pub wa_id: String,
    #[serde(default)]
    pub profile_name: Option<String>,
    pub last_message: LedgerMessage,
    #[serde(default)]
    pub window: ServiceWindow,
}

/// One page of `GET /conversations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
    #[serde(default)]
    pub paging: CursorPaging,
}

/// A whole thread, oldest message first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationThread {
    pub phone_number_id: String,
    pub wa_id: String,
    #[serde(default)]
    pub profile_name: Option<String>,
    #[serde(default)]
    pub window: ServiceWindow,
    pub messages: Vec<LedgerMessage>,
}

/// `{"conversation": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneConversation {
    pub conversation: ConversationThread,
}

/// A template as the gateway's mirror knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirroredTemplate {
    pub id: String,
    pub waba_id: String,
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub components: Value,
    #[serde(default)]
    pub rejected_reason: Option<String>,
    #[serde(default)]
    pub updated_at: String,
}

/// `{"templates": […]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirroredTemplateList {
    pub templates: Vec<MirroredTemplate>,
}

/// `{"synced": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSync {
    pub synced: u64,
}

/// Reads `null` as an empty text, as a missing field would be.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn statuses_reach_those_before_them_and_failed_reaches_nothing_else() {
        assert!(MessageStatus::Read.has_reached(MessageStatus::Sent));
        assert!(MessageStatus::Delivered.has_reached(MessageStatus::Delivered));
        assert!(!MessageStatus::Sent.has_reached(MessageStatus::Delivered));
        assert!(!MessageStatus::Failed.has_reached(MessageStatus::Sent));
        assert!(MessageStatus::Failed.has_reached(MessageStatus::Failed));
        assert_eq!(MessageStatus::parse("READ"), Some(MessageStatus::Read));
        assert_eq!(MessageStatus::parse("unknown"), None);
    }

    #[test]
    fn a_failed_message_shows_metas_error_with_its_details() {
        let message: LedgerMessage = serde_json::from_value(json!({
            "wamid": "wamid.A", "direction": "outbound", "origin": "gateway", "connection_id": "c",
            "phone_number_id": "1", "peer": "9991234567", "type": "text", "status": "failed",
            "errors": [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                        "error_data": {"details": "Message Undeliverable."}, "href": "https://developers.facebook.com/"}],
            "statuses": [{"status": "failed", "timestamp": "2026-01-01T00:00:00Z", "received_at": "2026-01-01T00:00:01Z"}],
            "content": {"type": "text", "text": {"body": "hi"}}, "template_name": null,
            "biz_opaque_callback_data": null, "reply_to": null, "profile_name": null, "request_id": null,
            "created_at": "2026-01-01T00:00:00Z", "a_field_added_later": 1
        }))
        .unwrap();
        assert_eq!(
            message.first_error().unwrap().to_string(),
            "(#131026) Message undeliverable: Message Undeliverable."
        );
        assert_eq!(message.text_body(), Some("hi"));
    }

    #[test]
    fn a_message_known_only_from_its_statuses_has_no_type() {
        let message: LedgerMessage = serde_json::from_value(json!({
            "wamid": "wamid.B", "direction": "outbound", "origin": "external", "phone_number_id": "1",
            "peer": "1234567890", "type": null, "status": "sent"
        }))
        .unwrap();
        assert_eq!(message.kind, "");
    }

    #[test]
    fn unknown_enum_values_still_parse() {
        let status: MessageStatus = serde_json::from_value(json!("deleted")).unwrap();
        assert_eq!(status, MessageStatus::Unknown);
        let origin: MessageOrigin = serde_json::from_value(json!("partner")).unwrap();
        assert_eq!(origin, MessageOrigin::Unknown);
    }
}
