//! `wabagate listen [--events …] [--forward-to URL]`: the account's events as they happen,
//! one line each (`--json`: each body), resumed without a gap after a disconnect. With
//! `--forward-to`, each event is also POSTed to a local URL, signed with a secret made for
//! this session as a subscription signs its deliveries, so a bot behind NAT can be
//! developed against a shared gateway. Runs until Ctrl-C.

use std::io::Write;

use clap::Args;
use serde_json::Value;
use wabagate_sdk::{Event, EventStreamOptions, Forwarder, StreamUpdate, WebhookSecret, event_pattern_matches};

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
    /// Only these event types or patterns, comma-separated (message.*, template.status_updated, …) [default: all].
    #[arg(long, value_delimiter = ',', value_parser = parse_event_pattern, value_name = "EVENTS")]
    events: Vec<String>,
    /// POST each event to this URL, signed (Standard Webhooks) with this session's secret.
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Sign forwarded events with this secret (whsec_…) instead of a new one per session.
    #[arg(
        long,
        env = "WABAGATE_FORWARD_SECRET",
        value_name = "SECRET",
        hide_env_values = true,
        requires = "forward_to"
    )]
    forward_secret: Option<String>,
    /// Start after this event id (the one an earlier `listen` stopped after) rather than now.
    #[arg(long, value_name = "EVENT_ID")]
    after: Option<String>,
    // Last, so the command's own flags are listed under Options and these under their heading.
    #[command(flatten)]
    options: ClientOptions,
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
            _ = tokio::signal::ctrl_c() => {
                if let Some(id) = stream.last_event_id() {
                    eprintln!("Stopped after event {id} (`--after {id}` resumes there).");
                }
                return Ok(());
            }
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
    let text = |value: Option<&Value>, pointer: &str| {
        value.and_then(|value| value.pointer(pointer)).and_then(Value::as_str).map(one_line)
    };
    let mut about: Vec<String> = Vec::new();
    match event.kind().split('.').next() {
        Some("message") => {
            let message = data.message.as_ref();
            about.extend(text(message, "/id"));
            about.extend(text(message, "/from").map(|from| format!("from {from}")));
            about.extend(text(message, "/recipient_id").map(|to| format!("to {to}")));
            about.extend(text(data.raw.as_ref(), "/text/body").map(|body| format!("{body:?}")));
            let error = message.and_then(|message| message.pointer("/errors/0"));
            about.extend(error.map(|error| {
                let code = error.get("code").map(Value::to_string).unwrap_or_default();
                one_line(&format!("error {code}: {}", text(Some(error), "/title").unwrap_or_default()))
            }));
        }
        Some("template") => {
            let template = data.template.as_ref();
            about.extend(text(template, "/name"));
            about.extend(text(template, "/status"));
        }
        Some("connection") => {
            about.extend(data.connection_id.as_deref().map(one_line));
            about.extend(text(data.connection.as_ref(), "/status"));
        }
        _ => {}
    }
    let mut line = format!("{}  {}", one_line(&event.body.timestamp), one_line(event.kind()));
    for part in about {
        line.push_str("  ");
        line.push_str(&part);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_event_is_one_line_naming_the_message_and_its_peer() {
        let raw = r#"{"type":"message.received","timestamp":"2026-01-01T00:00:00Z","data":{"connection_id":"c","phone_number_id":"p","waba_id":"w","message":{"id":"wamid.A","direction":"inbound","from":"1234567890","type":"text"},"raw":{"id":"wamid.A","text":{"body":"hi\nthere\u001b[31m"}}}}"#;
        let line = event_line(&Event::parse("1", raw).unwrap());
        assert_eq!(line, r#"2026-01-01T00:00:00Z  message.received  wamid.A  from 1234567890  "hi there [31m""#);
        let raw = r#"{"type":"message.failed","timestamp":"t","data":{"message":{"id":"wamid.B","recipient_id":"1","status":"failed","errors":[{"code":131026,"title":"Message undeliverable"}]}}}"#;
        let line = event_line(&Event::parse("2", raw).unwrap());
        assert_eq!(line, "t  message.failed  wamid.B  to 1  error 131026: Message undeliverable");
    }

    #[test]
    fn other_events_show_what_they_are_about() {
        let raw = r#"{"type":"template.status_updated","timestamp":"t","data":{"template":{"name":"hello_world","status":"APPROVED"}}}"#;
        assert_eq!(event_line(&Event::parse("e", raw).unwrap()), "t  template.status_updated  hello_world  APPROVED");
        let raw = r#"{"type":"webhook.test","timestamp":"t","data":{}}"#;
        assert_eq!(event_line(&Event::parse("e", raw).unwrap()), "t  webhook.test");
    }
}
