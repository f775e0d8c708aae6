//! Meta's webhook payloads as received: the `whatsapp_business_account` envelope
//! (`object`, `entry[].id/time/changes[].field/value`) and the items a change carries
//! (meta-oauth-and-webhooks.md §10–§14).
//!
//! Parsing is lenient on purpose. A webhook body is hostile input from the network and
//! Meta adds fields and types without notice, so [`Notification::parse`] never panics,
//! refuses only what is not a JSON object at all, and keeps everything it does not know
//! as [`Item::Unknown`] with the raw value, for the ledger to store as it came.

mod items;
mod lenient;

use serde_json::Value;

pub use items::{AccountUpdate, InboundMessage, Item, PhoneNumberNameUpdate, Status, TemplateStatusUpdate, items_of};

/// One webhook POST body.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `whatsapp_business_account` for WhatsApp; kept as sent.
    pub object: String,
    pub entries: Vec<Entry>,
}

/// One `entry[]`: what happened to one WABA.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The WABA id (never a phone number id).
    pub id: String,
    /// Unix seconds; only WABA-level fields carry it.
    pub time: Option<i64>,
    pub changes: Vec<Change>,
}

/// One `changes[]`: a field and its value as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub field: String,
    pub value: Value,
}

/// Why a body is not a webhook notification at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not a JSON object with an `entry` array")]
    NotAnEnvelope,
}

impl Notification {
    /// Parses a body. Entries and changes of the wrong shape are skipped rather than
    /// failing the whole batch: one odd entry must not hide the others.
    pub fn parse(body: &[u8]) -> Result<Self, NotificationError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|error| NotificationError::NotJson(error.to_string()))?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, NotificationError> {
        let envelope = value.as_object().ok_or(NotificationError::NotAnEnvelope)?;
        let entries = envelope.get("entry").and_then(Value::as_array).ok_or(NotificationError::NotAnEnvelope)?;
        Ok(Self {
            object: lenient::string(envelope.get("object")).unwrap_or_default(),
            entries: entries.iter().filter_map(Entry::from_value).collect(),
        })
    }
}

impl Entry {
    fn from_value(value: &Value) -> Option<Self> {
        let entry = value.as_object()?;
        let changes = entry.get("changes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Some(Self {
            id: lenient::string(entry.get("id")).unwrap_or_default(),
            time: lenient::integer(entry.get("time")),
            changes: changes.iter().filter_map(Change::from_value).collect(),
        })
    }

    /// This entry with a single change, as a notification of its own: how one change is
    /// kept aside (unrouted) and replayed later through the same path as a fresh body.
    pub fn with_only(&self, change: &Change) -> Value {
        let mut entry = serde_json::json!({
            "id": self.id,
            "changes": [{"field": change.field, "value": change.value}],
        });
        if let Some(time) = self.time {
            entry["time"] = time.into();
        }
        serde_json::json!({"object": "whatsapp_business_account", "entry": [entry]})
    }
}

impl Change {
    fn from_value(value: &Value) -> Option<Self> {
        let change = value.as_object()?;
        Some(Self {
            field: lenient::string(change.get("field")).unwrap_or_default(),
            value: change.get("value").cloned().unwrap_or(Value::Null),
        })
    }

    /// `value.metadata.phone_number_id`: what `messages` changes are routed by.
    pub fn phone_number_id(&self) -> Option<String> {
        lenient::string(self.value.get("metadata").and_then(|metadata| metadata.get("phone_number_id")))
    }

    /// Whether the change concerns one business number (and is routed by it) rather than
    /// the whole WABA.
    pub fn is_number_scoped(&self) -> bool {
        self.field == "messages"
    }

    /// The items this change carries, in the order received.
    pub fn items(&self) -> Vec<Item> {
        items_of(self)
    }
}

#[cfg(test)]
mod tests;
