//! Pinning and unpinning a message in a group chat (Meta's groups messaging guide, "Pin and
//! unpin group message"): `{"type": "pin", "pin": {"type": "pin", "message_id": "wamid.…",
//! "expiration_days": 7}}`, or `"type": "unpin"` without the expiration.

use serde::{Deserialize, Serialize};

use crate::limits::{PIN_EXPIRATION_DAYS_MAX, PIN_EXPIRATION_DAYS_MIN};
use crate::violation::{Field, ValidationError, Violation, require_text};

/// A pin or an unpin of one earlier message of the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Pin {
    /// Pins `message_id` for `expiration_days` days (1 to 30).
    Pin { message_id: String, expiration_days: u32 },
    /// Ends the pin of `message_id`.
    Unpin { message_id: String },
}

impl Pin {
    /// The message pinned or unpinned.
    pub fn message_id(&self) -> &str {
        match self {
            Pin::Pin { message_id, .. } | Pin::Unpin { message_id } => message_id,
        }
    }

    /// A message id is required, and a pin lasts 1 to 30 days. Whether the message is one
    /// of the group's is only known to Meta, which reports it through a `failed` status.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = Field::root("pin");
        require_text(&field.key("message_id"), Some(self.message_id()))?;
        match self {
            Pin::Pin { expiration_days, .. }
                if !(PIN_EXPIRATION_DAYS_MIN..=PIN_EXPIRATION_DAYS_MAX).contains(expiration_days) =>
            {
                Err(field
                    .key("expiration_days")
                    .error(Violation::Malformed { expected: "a number of days from 1 to 30" }))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::message::parse_part;

    fn parse(value: serde_json::Value) -> Result<Pin, ValidationError> {
        parse_part(&Field::root("pin"), value)
    }

    #[test]
    fn a_pin_reads_and_writes_metas_shape() {
        let value = json!({"type": "pin", "message_id": "wamid.X", "expiration_days": 7});
        let pin = parse(value.clone()).unwrap();
        assert_eq!(pin, Pin::Pin { message_id: "wamid.X".into(), expiration_days: 7 });
        assert_eq!(serde_json::to_value(&pin).unwrap(), value);
        let unpin = parse(json!({"type": "unpin", "message_id": "wamid.X"})).unwrap();
        assert_eq!(serde_json::to_value(&unpin).unwrap(), json!({"type": "unpin", "message_id": "wamid.X"}));
    }

    #[test]
    fn a_pin_lasts_one_to_thirty_days() {
        let pin = |days| Pin::Pin { message_id: "wamid.X".into(), expiration_days: days };
        assert_eq!(pin(1).validate(), Ok(()));
        assert_eq!(pin(30).validate(), Ok(()));
        for days in [0, 31] {
            assert_eq!(pin(days).validate().unwrap_err().field, "pin['expiration_days']");
        }
    }

    #[test]
    fn a_pin_without_its_expiration_or_an_unpin_with_one_is_refused() {
        let missing = parse(json!({"type": "pin", "message_id": "wamid.X"})).unwrap_err();
        assert_eq!((missing.field.as_str(), missing.violation), ("pin['expiration_days']", Violation::Missing));
        let extra = parse(json!({"type": "unpin", "message_id": "wamid.X", "expiration_days": 7})).unwrap_err();
        assert_eq!(extra.violation, Violation::UnexpectedKey { key: "expiration_days".into() });
        let unknown = parse(json!({"type": "stick", "message_id": "wamid.X"})).unwrap_err();
        assert_eq!(unknown.violation, Violation::NotAllowed { value: "stick".into() });
    }

    #[test]
    fn a_pin_needs_a_message() {
        let error = Pin::Unpin { message_id: " ".into() }.validate().unwrap_err();
        assert_eq!((error.field.as_str(), error.violation), ("pin['message_id']", Violation::Empty));
    }
}
