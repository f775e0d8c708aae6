//! The JSON the ledger's API answers with, and its page cursors. A message is the store's
//! [`LedgerMessage`] as it serialises (`wamid`, `direction`, `origin`, `connection_id`,
//! `phone_number_id`, `peer`, `type`, `status`, `errors`, `statuses`, `content`,
//! `template_name`, `biz_opaque_callback_data`, `reply_to`, `profile_name`, `request_id`,
//! `created_at`); times are RFC 3339 UTC.

use serde::Serialize;
use wabagate_store::{LedgerCursor, LedgerMessage, MirroredTemplate, SERVICE_WINDOW_SECONDS, Timestamp};

#[derive(Serialize)]
pub(super) struct Paging {
    pub(super) next_cursor: Option<String>,
}

#[derive(Serialize)]
pub(super) struct MessageList {
    pub(super) messages: Vec<LedgerMessage>,
    pub(super) paging: Paging,
}

#[derive(Serialize)]
pub(super) struct OneMessage {
    pub(super) message: LedgerMessage,
}

/// A customer's 24-hour service window.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Window {
    pub(crate) open: bool,
    pub(crate) open_until: Option<Timestamp>,
}

impl Window {
    /// The window left by the customer's last message (Unix seconds), as of `now`.
    pub(crate) fn from_last_inbound(last_inbound_unix: Option<i64>, now: Timestamp) -> Self {
        let open_until = last_inbound_unix.map(|seconds| {
            Timestamp::from_unix_micros(seconds.saturating_add(SERVICE_WINDOW_SECONDS).saturating_mul(1_000_000))
        });
        Self { open: open_until.is_some_and(|until| until > now), open_until }
    }
}

#[derive(Serialize)]
pub(super) struct ConversationView {
    pub(super) phone_number_id: String,
    pub(super) wa_id: String,
    pub(super) profile_name: Option<String>,
    pub(super) last_message: LedgerMessage,
    pub(super) window: Window,
}

#[derive(Serialize)]
pub(super) struct ConversationList {
    pub(super) conversations: Vec<ConversationView>,
    pub(super) paging: Paging,
}

#[derive(Serialize)]
pub(super) struct ThreadView {
    pub(super) phone_number_id: String,
    pub(super) wa_id: String,
    pub(super) profile_name: Option<String>,
    pub(super) window: Window,
    pub(super) messages: Vec<LedgerMessage>,
}

#[derive(Serialize)]
pub(super) struct OneConversation {
    pub(super) conversation: ThreadView,
}

#[derive(Serialize)]
pub(super) struct TemplateList {
    pub(super) templates: Vec<MirroredTemplate>,
}

/// A cursor is the last row's (created_at, wamid), hex-encoded so it needs no URL escaping.
pub(super) fn encode_cursor(message: &LedgerMessage) -> String {
    hex::encode(format!("{}:{}", message.created_at.unix_micros(), message.wamid))
}

pub(super) fn decode_cursor(text: &str) -> Option<LedgerCursor> {
    let decoded = String::from_utf8(hex::decode(text).ok()?).ok()?;
    let (created_at, wamid) = decoded.split_once(':')?;
    Some(LedgerCursor { created_at: created_at.parse().ok()?, wamid: wamid.to_owned() })
}
