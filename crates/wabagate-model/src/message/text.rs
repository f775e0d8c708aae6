//! Text messages (whatsapp-cloud-api.md §2.3).

use serde::{Deserialize, Serialize};

use crate::limits::TEXT_BODY_MAX;
use crate::violation::{Field, ValidationError, check_required_text};

/// `{"body": "…", "preview_url": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub body: String,
    /// Render a preview of the first URL in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<bool>,
}

impl Text {
    /// Body present, not blank, at most [`TEXT_BODY_MAX`] characters.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_required_text(&Field::root("text").key("body"), Some(&self.body), TEXT_BODY_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::Violation;

    #[test]
    fn a_body_of_exactly_the_limit_is_accepted_and_one_more_is_not() {
        let at_limit = Text { body: "é".repeat(TEXT_BODY_MAX), preview_url: None };
        assert_eq!(at_limit.validate(), Ok(()));
        let over = Text { body: "é".repeat(TEXT_BODY_MAX + 1), preview_url: Some(true) };
        let error = over.validate().unwrap_err();
        assert_eq!(error.field, "text['body']");
        assert_eq!(error.violation, Violation::TooLong { max: 4096, actual: 4097 });
    }

    #[test]
    fn a_blank_body_is_empty() {
        let error = Text { body: "  ".into(), preview_url: None }.validate().unwrap_err();
        assert_eq!(error.violation, Violation::Empty);
    }
}
