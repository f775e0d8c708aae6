//! The outbound events the gateway publishes and the patterns that pick them: one set of
//! rules for the server (validating subscriptions and `?events=`), the store (matching a
//! subscription at publish time) and the SDK and CLI (checking before anything is sent).

/// Every event type the gateway sends, in the order its docs list them.
pub const EVENT_TYPES: [&str; 8] = [
    "message.received",
    "message.sent",
    "message.delivered",
    "message.read",
    "message.failed",
    "template.status_updated",
    "connection.status_changed",
    "webhook.test",
];

/// Whether `pattern` picks events of type `event_type`: the type itself, `group.*` for a
/// group's types, or `*` for all.
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix(".*") {
        _ if pattern == "*" => true,
        Some(group) => event_type.strip_prefix(group).is_some_and(|rest| rest.starts_with('.')),
        None => pattern == event_type,
    }
}

/// Whether `pattern` is a known event type, a known group's `group.*`, or `*`.
pub fn is_pattern(pattern: &str) -> bool {
    EVENT_TYPES.iter().any(|event_type| pattern_matches(pattern, event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_pick_a_type_a_group_or_everything() {
        assert!(pattern_matches("message.*", "message.read"));
        assert!(pattern_matches("*", "template.status_updated"));
        assert!(pattern_matches("message.read", "message.read"));
        assert!(!pattern_matches("message.*", "messages.read"));
        assert!(!pattern_matches("message.read", "message.received"));
        assert!(!pattern_matches("message.*", "template.status_updated"));
        assert!(!pattern_matches("message.rec*", "message.received"), "only whole groups are globs");
    }

    #[test]
    fn only_known_types_and_groups_are_patterns() {
        for pattern in ["*", "message.*", "template.*", "connection.status_changed", "webhook.test"] {
            assert!(is_pattern(pattern), "{pattern}");
        }
        for pattern in ["", "message", "messages.*", "message.seen", "*.read", ".*", "message.rec*"] {
            assert!(!is_pattern(pattern), "{pattern}");
        }
    }
}
