//! `--events` of `webhooks` and `listen`: event types and patterns (`message.*`, `*`),
//! refused at the command line with the list of known types, before anything is sent.

use wabagate_sdk::{EVENT_TYPES, is_event_pattern};

/// One event type or pattern, as typed (surrounding spaces dropped).
pub(crate) fn parse_event_pattern(text: &str) -> Result<String, String> {
    let pattern = text.trim();
    if is_event_pattern(pattern) {
        return Ok(pattern.to_owned());
    }
    Err(format!(
        "unknown event type {pattern:?}; use one of {}, a group such as message.*, or *",
        EVENT_TYPES.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_and_patterns_pass_and_others_name_the_choices() {
        assert_eq!(parse_event_pattern(" message.* "), Ok("message.*".to_owned()));
        assert_eq!(parse_event_pattern("*"), Ok("*".to_owned()));
        let error = parse_event_pattern("message.seen").unwrap_err();
        assert!(error.contains("message.received") && error.contains("message.*"), "{error}");
    }
}
