//! Reactions to a message in the chat (whatsapp-cloud-api.md §2.9).

use serde::{Deserialize, Serialize};

use crate::violation::{Field, ValidationError, require_text};

/// An emoji on an earlier message; an empty `emoji` removes the business's reaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reaction {
    pub message_id: String,
    pub emoji: String,
}

impl Reaction {
    /// The target message id is required. Whether the target exists is only known later,
    /// so Meta reports a bad target through a `failed` status (131009), not here.
    pub fn validate(&self) -> Result<(), ValidationError> {
        require_text(&Field::root("reaction").key("message_id"), Some(&self.message_id)).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_emoji_removes_a_reaction_and_is_valid() {
        assert_eq!(Reaction { message_id: "wamid.X".into(), emoji: String::new() }.validate(), Ok(()));
    }

    #[test]
    fn a_reaction_needs_a_target_message() {
        let error = Reaction { message_id: String::new(), emoji: "👍".into() }.validate().unwrap_err();
        assert_eq!(error.field, "reaction['message_id']");
    }
}
