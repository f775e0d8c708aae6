//! Success bodies of the Graph operations wabagate speaks, in Meta's exact shape.

use serde::{Deserialize, Serialize};

/// `POST /{phone_number_id}/messages` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageResponse {
    pub messaging_product: String,
    pub contacts: Vec<SentContact>,
    pub messages: Vec<SentMessage>,
}

/// `input` echoes `to` as sent; `wa_id` is what Meta made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentContact {
    pub input: String,
    pub wa_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// `wamid.…`.
    pub id: String,
    /// Only for paced template sends: `accepted`, `held_for_quality_assessment`, `paused`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_status: Option<String>,
    /// Only for sends to a group: the group's id (whatsapp-cloud-api.md §2.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
}

impl SendMessageResponse {
    pub fn new(input: impl Into<String>, wa_id: impl Into<String>, wamid: impl Into<String>) -> Self {
        Self {
            messaging_product: "whatsapp".into(),
            contacts: vec![SentContact { input: input.into(), wa_id: wa_id.into() }],
            messages: vec![SentMessage { id: wamid.into(), message_status: None, group_id: None }],
        }
    }

    /// The answer to a send to a group: the group id stands where a person's `wa_id` would
    /// (clients read `contacts[0]` whatever the recipient) and is named in `messages[0]`.
    pub fn to_group(group_id: impl Into<String>, wamid: impl Into<String>) -> Self {
        let group_id = group_id.into();
        let mut response = Self::new(group_id.clone(), group_id.clone(), wamid);
        response.messages[0].group_id = Some(group_id);
        response
    }
}

/// `{"success": true}`: mark-as-read, deletes, profile updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessResponse {
    pub success: bool,
}

impl SuccessResponse {
    pub const OK: SuccessResponse = SuccessResponse { success: true };
}

/// `POST /{phone_number_id}/media` → `{"id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUploaded {
    pub id: String,
}

/// `GET /{media_id}`. `file_size` is a number here; Meta's OpenAPI file types it as a
/// string but captured responses carry a number (whatsapp-cloud-api.md §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaInfo {
    pub messaging_product: String,
    pub url: String,
    pub mime_type: String,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    pub file_size: u64,
    pub id: String,
}

/// `POST /{waba_id}/message_templates` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCreated {
    pub id: String,
    pub status: String,
    pub category: String,
}

/// Graph's cursor paging block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursors: Option<Cursors>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursors {
    pub before: String,
    pub after: String,
}

/// `{"data": [...], "paging": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}
