//! The account's events: what a subscription receives and `GET /events/stream` sends,
//! `{"type","timestamp","data":{connection_id,phone_number_id,waba_id,message|template|connection,raw}}`,
//! and the patterns (`message.*`) that pick them.
//!
//! - `stream`: the Server-Sent Events stream, resumed with `Last-Event-ID` after a
//!   disconnect so no event is missed.
//! - `forward`: POSTing an event to a local URL signed as a subscription signs it (`listen`).

mod forward;
mod stream;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use wabagate_model::{ValidationError, Violation};

pub use forward::{Forwarded, Forwarder};
pub use stream::{EventStream, EventStreamOptions, StreamUpdate};

use crate::error::Error;

pub use wabagate_model::event_type::{
    EVENT_TYPES, is_pattern as is_event_pattern, pattern_matches as event_pattern_matches,
};

/// One event, with the exact JSON it came as (what a subscription's receiver gets).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's id (`evt_…`): the `id:` of `GET /events/stream` (what `Last-Event-ID`
    /// resumes after) and the `webhook-id` of its deliveries. The same however often, and
    /// however, the event is sent.
    pub id: String,
    pub body: EventBody,
    /// The body exactly as the gateway sent it.
    pub raw: String,
}

/// The JSON body of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBody {
    /// One of [`EVENT_TYPES`] (or a newer one).
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (RFC 3339, or Unix seconds as some gateways write it).
    #[serde(default, deserialize_with = "text_or_number")]
    pub timestamp: String,
    #[serde(default)]
    pub data: EventData,
}

/// What an event is about; which of `message`, `template` and `connection` is present
/// follows from the type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    #[serde(default)]
    pub connection_id: Option<String>,
    #[serde(default)]
    pub phone_number_id: Option<String>,
    #[serde(default)]
    pub waba_id: Option<String>,
    /// The ledger's message (`message.*`), as `GET /messages/{wamid}` shows it.
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub template: Option<Value>,
    #[serde(default)]
    pub connection: Option<Value>,
    /// Meta's webhook item as received.
    #[serde(default)]
    pub raw: Option<Value>,
}

impl Event {
    /// Reads an event's JSON body; `id` is the stream's or the `webhook-id` header's.
    pub fn parse(id: impl Into<String>, raw: impl Into<String>) -> Result<Self, serde_json::Error> {
        let raw = raw.into();
        let body = serde_json::from_str(&raw)?;
        Ok(Self { id: id.into(), body, raw })
    }

    pub fn kind(&self) -> &str {
        &self.body.kind
    }
}

/// A subscription's `events` must name at least one known type or pattern, each once.
pub(crate) fn check_event_patterns(patterns: &[String]) -> Result<(), Error> {
    if patterns.is_empty() {
        return Err(ValidationError::new("events", Violation::TooFew { min: 1, actual: 0 }).into());
    }
    for (index, pattern) in patterns.iter().enumerate() {
        if !is_event_pattern(pattern) {
            let violation = Violation::NotAllowed { value: pattern.clone() };
            return Err(ValidationError::new(format!("events[{index}]"), violation).into());
        }
        if patterns[..index].contains(pattern) {
            let violation = Violation::Duplicate { value: pattern.clone() };
            return Err(ValidationError::new("events", violation).into());
        }
    }
    Ok(())
}

fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscriptions_events_are_known_patterns_each_once() {
        let error = check_event_patterns(&["message.*".into(), "message.seen".into()]).unwrap_err();
        assert_eq!(error.to_string(), "Param events[1] has an invalid value 'message.seen'.");
        assert!(check_event_patterns(&[]).unwrap_err().is_local());
    }

    #[test]
    fn an_event_keeps_its_exact_body_and_reads_its_fields() {
        let raw = r#"{"type":"message.received","timestamp":"2026-01-01T00:00:00Z","data":{"connection_id":"c","phone_number_id":"p","waba_id":"w","message":{"wamid":"wamid.X"},"raw":{"id":"wamid.X"},"future":1}}"#;
        let event = Event::parse("evt_1", raw).unwrap();
        assert_eq!((event.id.as_str(), event.kind()), ("evt_1", "message.received"));
        assert_eq!(event.body.data.phone_number_id.as_deref(), Some("p"));
        assert_eq!(event.raw, raw);
        let numeric = Event::parse("evt_2", r#"{"type":"webhook.test","timestamp":1767225600,"data":{}}"#).unwrap();
        assert_eq!(numeric.body.timestamp, "1767225600");
    }
}
