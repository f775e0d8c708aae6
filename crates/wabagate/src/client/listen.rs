//! `wabagate listen [--events …] [--forward-to URL]`: the account's events as they happen,
//! one line each (`--json`: each body), resumed without a gap after a disconnect. With
//! `--forward-to`, each event is also POSTed to a local URL, signed with a secret made for
//! this session as a subscription signs its deliveries, so a bot behind NAT can be
//! developed against a shared gateway. Runs until Ctrl-C.

use std::io::Write;

use clap::Args;
use serde_json::Value;
use wabagate_sdk::{
    Event, EventStreamOptions, Forwarder, LedgerMessage, MessageDirection, StreamUpdate, WebhookSecret,
    event_pattern_matches,
};

use super::context::ClientOptions;
use super::event_flags::parse_event_pattern;
use super::failure::{Failure, SdkResultExt};
use super::messages::one_line;
use super::output::write_raw_body;

/// Print the account's events as they happen, and forward them to a local URL, signed.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  wabagate listen --events 'message.*'   # example: not run (runs until Ctrl-C)\n  wabagate listen --forward-to http://localhost:3000/webhook   # example: not run (runs until Ctrl-C)"
)]
pub(crate) struct ListenCommand {
    #[command(flatten)]
    options: ClientOptions,
    /// Only these event types or patterns, comma-separated (message.*, template.status_updated, …) [default: all].
    #[arg(long, value_delimiter = ',', value_parser = parse_event_pattern, value_name = "EVENTS")]
    events: Vec<String>,
    /// POST each event to this URL, signed (Standard Webhooks) with this session's secret.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Sign forwarded events with this secret (whsec_…) instead of a new one per session.
    #[arg(long, env = "WABAGATE_FORWARD_SECRET", value_name = "SECRET", hide_env_values = true, requires = "forward_to")]
    forward_secret: Option<String>,
    /// Start after this event id (one an earlier `listen --json` printed) rather than now.
    #[arg(long, value_name = "EVENT_ID")]
    after: Option<String>,
}

pub(crate) async fn run(command: ListenCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    let forwarder = match &command.forward_to {
        None => None,
        Some(url) => {
            let secret = match &command.forward_secret {
                Some(text) => WebhookSecret::parse(text).or_fail(json)?,
                None => WebhookSecret::generate(),
            };
            let forwarder = Forwarder::new(url, secret.clone()).or_fail(json)?;
            // On stderr, so stdout stays one line (or one body) per event.
            eprintln!("Forwarding events to {}, signed with this session's secret:", forwarder.url());
            eprintln!("  {}", secret.expose());
            Some(forwarder)
        }
    };
    let options = EventStreamOptions {
        last_event_id: command.after,
        events: command.events.clone(),
        ..EventStreamOptions::default()
    };
    let mut stream = client.events(options);
    let mut connected_once = false;
    loop {
        let update = tokio::select! {
            update = stream.next() => update.or_fail(json)?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match update {
            StreamUpdate::Connected { resumed_after } => {
                match (connected_once, resumed_after) {
                    (false, _) => eprintln!("Listening for events at {} (Ctrl-C to stop).", client.base_url()),
                    (true, Some(id)) => eprintln!("Reconnected; resuming after event {id}."),
                    (true, None) => eprintln!("Reconnected."),
                }
                connected_once = true;
            }
            StreamUpdate::Disconnected { reason, retry_in } => {
                eprintln!("Disconnected ({reason}); reconnecting in {:.1} s…", retry_in.as_secs_f64());
            }
            StreamUpdate::Event(event) => {
                // The gateway filters too; this keeps an older one's extra events off the screen.
                let wanted = command.events.is_empty()
                    || command.events.iter().any(|pattern| event_pattern_matches(pattern, event.kind()));
                if !wanted {
                    continue;
                }
                let forwarded = match &forwarder {
                    Some(forwarder) => Some(forward(forwarder, &event).await),
                    None => None,
                };
                if json {
                    write_raw_body(out, event.raw.as_bytes())?;
                    if let Some(Err(failure)) = &forwarded {
                        eprintln!("Forwarding event {} failed: {failure}", event.id);
                    }
                } else {
                    let forwarded = match forwarded {
                        Some(Ok(answer)) | Some(Err(answer)) => format!("  -> {answer}"),
                        None => String::new(),
                    };
                    writeln!(out, "{}{forwarded}", event_line(&event))?;
                }
                out.flush()?;
            }
        }
    }
}

/// Forwards one event: `Ok("200 in 3 ms")`, or `Err` with what went wrong. A failed
/// forward is reported and not retried: the stream goes on to the next event.
async fn forward(forwarder: &Forwarder, event: &Event) -> Result<String, String> {
    match forwarder.forward(event).await {
        Ok(answer) => {
            let line = format!("{} in {} ms", answer.status, answer.duration.as_millis());
            if answer.is_success() { Ok(line) } else { Err(line) }
        }
        Err(error) => Err(format!("not delivered: {error}")),
    }
}

/// `TIMESTAMP  TYPE  what it is about`, every text made safe for one terminal line.
fn event_line(event: &Event) -> String {
    let data = &event.body.data;
    let text = |value: Option<&Value>, key: &str| {
        value.and_then(|value| value.get(key)).and_then(Value::as_str).map(one_line)
    };
    let about = match event.kind().split('.').next() {
        Some("message") => match data.message.clone().map(serde_json::from_value::<LedgerMessage>) {
            Some(Ok(message)) => {
                let peer = match message.direction {
                    MessageDirection::Inbound => format!("from {}", message.peer),
                    _ => format!("to {}", message.peer),
                };
                let mut about = format!("{}  {peer}", message.wamid);
                if let Some(body) = message.text_body() {
                    about.push_str(&format!("  {:?}", one_line(body)));
                }
                if let Some(error) = message.first_error() {
                    about.push_str(&format!("  {}", one_line(&error.to_string())));
                }
                about
            }
            _ => text(data.message.as_ref(), "wamid").unwrap_or_default(),
        },
        Some("template") => {
            let name = text(data.template.as_ref(), "name").unwrap_or_default();
            let status = text(data.template.as_ref(), "status").unwrap_or_default();
            format!("{name}  {status}")
        }
        Some("connection") => {
            let id = data.connection_id.clone().unwrap_or_default();
            let status = text(data.connection.as_ref(), "status").unwrap_or_default();
            format!("{id}  {status}")
        }
        _ => String::new(),
    };
    let line = format!("{}  {}  {about}", one_line(&event.body.timestamp), one_line(event.kind()));
    line.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_event_is_one_line_naming_the_message_and_its_peer() {
        let raw = r#"{"type":"message.received","timestamp":"2026-01-01T00:00:00Z","data":{"connection_id":"c","phone_number_id":"p","waba_id":"w","message":{"wamid":"wamid.A","direction":"inbound","origin":"external","connection_id":"c","phone_number_id":"p","peer":"1234567890","type":"text","status":"received","content":{"type":"text","text":{"body":"hi\nthere"}},"statuses":[],"created_at":"2026-01-01T00:00:00Z"},"raw":{}}}"#;
        let event = Event::parse("evt_1", raw).unwrap();
        let line = event_line(&event);
        assert!(line.starts_with("2026-01-01T00:00:00Z  message.received  wamid.A  from 1234567890"), "{line}");
        assert!(!line.contains('\n') && !line.contains('\u{1b}'), "{line}");
    }

    #[test]
    fn other_events_show_what_they_are_about() {
        let raw = r#"{"type":"template.status_updated","timestamp":"t","data":{"template":{"name":"hello_world","status":"APPROVED"}}}"#;
        assert_eq!(event_line(&Event::parse("e", raw).unwrap()), "t  template.status_updated  hello_world  APPROVED");
        let raw = r#"{"type":"webhook.test","timestamp":"t","data":{}}"#;
        assert_eq!(event_line(&Event::parse("e", raw).unwrap()), "t  webhook.test");
    }
}
