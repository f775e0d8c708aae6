//! Marking an inbound message as read, optionally showing a typing indicator
//! (whatsapp-cloud-api.md §2.13). Same endpoint as sends, different body, `{"success": true}`.

use serde::{Deserialize, Serialize};

use crate::violation::{Field, ValidationError, Violation, require_text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub messaging_product: String,
    /// Always `"read"`.
    pub status: String,
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typing_indicator: Option<TypingIndicator>,
}

/// `{"type": "text"}`, the only kind Meta has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypingIndicator {
    #[serde(rename = "type")]
    pub kind: String,
}

impl MarkRead {
    /// A read receipt for `message_id` (the id of an inbound message).
    pub fn new(message_id: impl Into<String>) -> Self {
        Self {
            messaging_product: "whatsapp".into(),
            status: "read".into(),
            message_id: message_id.into(),
            typing_indicator: None,
        }
    }

    /// `status` is `read`, `message_id` is present and the typing indicator, if any, is `text`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.status != "read" {
            return Err(Field::root("status").error(Violation::NotAllowed { value: self.status.clone() }));
        }
        require_text(&Field::root("message_id"), Some(&self.message_id))?;
        match &self.typing_indicator {
            Some(indicator) if indicator.kind != "text" => Err(Field::root("typing_indicator")
                .key("type")
                .error(Violation::NotAllowed { value: indicator.kind.clone() })),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_read_status_and_the_text_typing_indicator_exist() {
        assert_eq!(MarkRead::new("wamid.A").validate(), Ok(()));
        let mut delivered = MarkRead::new("wamid.A");
        delivered.status = "delivered".into();
        assert_eq!(delivered.validate().unwrap_err().field, "status");
        let mut typing = MarkRead::new("wamid.A");
        typing.typing_indicator = Some(TypingIndicator { kind: "audio".into() });
        assert_eq!(typing.validate().unwrap_err().field, "typing_indicator['type']");
    }
}
