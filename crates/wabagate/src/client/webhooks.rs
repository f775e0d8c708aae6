//! `wabagate webhooks create|list|get|update|delete|rotate-secret|test|deliveries|replay`:
//! the account's event subscriptions, their delivery log and replays.

use std::io::Write;

use clap::{Args, Subcommand};
use wabagate_sdk::{Delivery, DeliveryQuery, NewWebhook, ReplayRange, Webhook, WebhookUpdate};

use super::context::ClientOptions;
use super::event_flags::parse_event_pattern;
use super::failure::{Failure, SdkResultExt};
use super::output::{write_fields, write_raw_body, write_raw_pages};
use super::table::write_table;

/// Subscribe endpoints to the account's events, and see and replay their deliveries.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate webhooks list")]
pub(crate) struct WebhooksCommand {
    #[command(flatten)]
    options: ClientOptions,
    #[command(subcommand)]
    action: WebhooksAction,
}

#[derive(Debug, Subcommand)]
enum WebhooksAction {
    /// Subscribe a URL to events; prints the signing secret, which is shown only once.
    #[command(
        after_help = "Example:\n  wabagate webhooks create --endpoint https://bot.example.com/wa --events 'message.*,template.status_updated'   # example: not run (the gateway would deliver to that host)"
    )]
    Create {
        /// Where the events are POSTed (https).
        #[arg(long, value_name = "URL")]
        endpoint: String,
        #[command(flatten)]
        events: EventsArg,
        /// Only events of this phone number (repeat for several) [default: all of the account's].
        #[arg(long = "phone-number-id", value_name = "ID")]
        phone_number_ids: Vec<String>,
        /// A note for yourself.
        #[arg(long)]
        description: Option<String>,
    },
    /// List the account's subscriptions.
    #[command(after_help = "Example:\n  wabagate webhooks list --json")]
    List,
    /// Show one subscription.
    #[command(
        after_help = "Example:\n  wabagate webhooks get 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10   # example: not run (needs a webhook of yours)"
    )]
    Get {
        /// The subscription's id.
        webhook_id: String,
    },
    /// Change a subscription's URL, events, phone numbers or description, or enable or disable it.
    #[command(
        after_help = "Example:\n  wabagate webhooks update 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10 --events 'message.*' --enable   # example: not run (needs a webhook of yours)"
    )]
    Update(UpdateArgs),
    /// Delete a subscription; its pending deliveries are not sent.
    #[command(
        after_help = "Example:\n  wabagate webhooks delete 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10   # example: not run (needs a webhook of yours)"
    )]
    Delete {
        /// The subscription's id.
        webhook_id: String,
    },
    /// Make a new signing secret; the old one keeps signing beside it for 24 hours.
    #[command(
        after_help = "Example:\n  wabagate webhooks rotate-secret 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10   # example: not run (needs a webhook of yours)"
    )]
    RotateSecret {
        /// The subscription's id.
        webhook_id: String,
    },
    /// Send a `webhook.test` event to the subscription.
    #[command(
        after_help = "Example:\n  wabagate webhooks test 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10   # example: not run (needs a webhook of yours)"
    )]
    Test {
        /// The subscription's id.
        webhook_id: String,
    },
    /// List a subscription's deliveries, newest first, with what the endpoint answered.
    #[command(
        after_help = "Example:\n  wabagate webhooks deliveries 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10 --status dead   # example: not run (needs a webhook of yours)"
    )]
    Deliveries {
        /// The subscription's id.
        webhook_id: String,
        /// Only deliveries in this status.
        #[arg(long, value_parser = ["pending", "in_flight", "delivered", "failed", "dead", "skipped"])]
        status: Option<String>,
        /// Only events of this type, e.g. message.read.
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_event_type)]
        kind: Option<String>,
        /// Stop after this many deliveries.
        #[arg(long)]
        limit: Option<usize>,
        /// Start from this page (a `next_cursor` of an earlier --json listing).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Send deliveries again, with their original webhook-id: one, or all in a time range.
    #[command(
        after_help = "Examples:\n  wabagate webhooks replay 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10 --status dead --since 2026-01-01T00:00:00Z   # example: not run (needs a webhook of yours)\n  wabagate webhooks replay 0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10 5d1f6a52-3c57-4d0e-9a3b-2f1c8e7b6a49   # example: not run (needs a webhook of yours)"
    )]
    Replay {
        /// The subscription's id.
        webhook_id: String,
        /// Replay only this delivery.
        delivery_id: Option<String>,
        /// Deliveries created at or after this time (RFC 3339).
        #[arg(long, value_name = "TIME", conflicts_with = "delivery_id")]
        since: Option<String>,
        /// Deliveries created before this time (RFC 3339).
        #[arg(long, value_name = "TIME", conflicts_with = "delivery_id")]
        until: Option<String>,
        /// Only deliveries in this status [default: failed, dead and skipped ones].
        #[arg(long, value_parser = ["pending", "delivered", "failed", "dead", "skipped"], conflicts_with = "delivery_id")]
        status: Option<String>,
    },
}

/// `--events`, comma-separated or repeated.
#[derive(Debug, Args)]
struct EventsArg {
    /// Event types or patterns, comma-separated: message.received, message.*, template.status_updated, *, …
    #[arg(long, required = true, value_delimiter = ',', value_parser = parse_event_pattern, value_name = "EVENTS")]
    events: Vec<String>,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// The subscription's id.
    webhook_id: String,
    /// A new endpoint URL.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// The new event types or patterns, comma-separated (they replace the old ones).
    #[arg(long, value_delimiter = ',', value_parser = parse_event_pattern, value_name = "EVENTS")]
    events: Option<Vec<String>>,
    /// Only events of this phone number (repeat for several; replaces the old filter).
    #[arg(long = "phone-number-id", value_name = "ID", conflicts_with = "all_phone_numbers")]
    phone_number_ids: Vec<String>,
    /// Remove the phone number filter: events of all the account's numbers.
    #[arg(long)]
    all_phone_numbers: bool,
    /// A new note.
    #[arg(long)]
    description: Option<String>,
    /// Enable the subscription again (after a 410 or five days of failures disabled it).
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    /// Stop deliveries until it is enabled again.
    #[arg(long)]
    disable: bool,
}

pub(crate) async fn run(command: WebhooksCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        WebhooksAction::Create { endpoint, events, phone_number_ids, description } => {
            let phone_number_ids = Some(phone_number_ids).filter(|ids| !ids.is_empty());
            let new = NewWebhook { url: endpoint, events: events.events, phone_number_ids, description };
            let created = client.create_webhook(&new).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &created.body)?);
            }
            let webhook = &created.value.webhook;
            writeln!(out, "Created webhook {} for {} -> {}", webhook.id, webhook.events.join(", "), webhook.url)?;
            write_secret(out, webhook)?;
        }
        WebhooksAction::List => {
            let listed = client.list_webhooks().await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &listed.body)?);
            }
            let rows: Vec<Vec<String>> = listed.value.webhooks.iter().map(webhook_row).collect();
            write_table(out, &["ID", "STATUS", "EVENTS", "URL", "CREATED"], &rows, "No webhooks.")?;
        }
        WebhooksAction::Get { webhook_id } => {
            let shown = client.webhook(&webhook_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &shown.body)?);
            }
            write_webhook(out, &shown.value.webhook)?;
        }
        WebhooksAction::Update(args) => {
            let status = match (args.enable, args.disable) {
                (true, _) => Some("active".to_owned()),
                (_, true) => Some("disabled".to_owned()),
                _ => None,
            };
            let phone_number_ids = match (args.all_phone_numbers, args.phone_number_ids.is_empty()) {
                (true, _) => Some(Vec::new()),
                (false, false) => Some(args.phone_number_ids),
                (false, true) => None,
            };
            let update = WebhookUpdate {
                url: args.endpoint,
                events: args.events,
                phone_number_ids,
                description: args.description,
                status,
            };
            if update == WebhookUpdate::default() {
                return Err(Failure::usage(
                    "nothing to change: pass --endpoint, --events, --phone-number-id, --all-phone-numbers, --description, --enable or --disable",
                ));
            }
            let updated = client.update_webhook(&args.webhook_id, &update).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &updated.body)?);
            }
            writeln!(out, "Updated webhook {}.", updated.value.webhook.id)?;
            write_webhook(out, &updated.value.webhook)?;
        }
        WebhooksAction::Delete { webhook_id } => {
            let deleted = client.delete_webhook(&webhook_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &deleted.body)?);
            }
            writeln!(out, "Deleted webhook {webhook_id}.")?;
        }
        WebhooksAction::RotateSecret { webhook_id } => {
            let rotated = client.rotate_webhook_secret(&webhook_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &rotated.body)?);
            }
            writeln!(out, "Rotated the secret of webhook {webhook_id}; the old one keeps signing for 24 hours.")?;
            write_secret(out, &rotated.value.webhook)?;
        }
        WebhooksAction::Test { webhook_id } => {
            let queued = client.test_webhook(&webhook_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &queued.body)?);
            }
            let id = queued.value.id().map(|id| format!(" ({id})")).unwrap_or_default();
            writeln!(out, "Queued a webhook.test event{id} to webhook {webhook_id}.")?;
        }
        WebhooksAction::Deliveries { webhook_id, status, kind, limit, cursor } => {
            let query = DeliveryQuery { status, kind, cursor, max_items: limit };
            let listed = client.list_deliveries(&webhook_id, &query).await.or_fail(json)?;
            if json {
                return Ok(write_raw_pages(out, &listed.pages)?);
            }
            let rows: Vec<Vec<String>> = listed.items.iter().map(delivery_row).collect();
            write_table(out, &["CREATED", "TYPE", "STATUS", "ATTEMPTS", "LAST ANSWER", "ID"], &rows, "No deliveries.")?;
        }
        WebhooksAction::Replay { webhook_id, delivery_id: Some(delivery_id), .. } => {
            let replayed = client.replay_delivery(&webhook_id, &delivery_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &replayed.body)?);
            }
            writeln!(out, "Queued delivery {delivery_id} of webhook {webhook_id} again.")?;
        }
        WebhooksAction::Replay { webhook_id, delivery_id: None, since, until, status } => {
            let range = ReplayRange { since, until, status };
            let replayed = client.replay_deliveries(&webhook_id, &range).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &replayed.body)?);
            }
            let queued = replayed.value.queued;
            let noun = if queued == 1 { "delivery" } else { "deliveries" };
            writeln!(out, "Queued {queued} {noun} of webhook {webhook_id} again.")?;
        }
    }
    Ok(())
}

/// The secret of a new or rotated subscription, said to be kept now.
fn write_secret(out: &mut impl Write, webhook: &Webhook) -> std::io::Result<()> {
    match &webhook.secret {
        Some(secret) => writeln!(out, "Signing secret (shown only this once, store it now): {secret}"),
        None => writeln!(out, "The gateway did not show a signing secret."),
    }
}

fn webhook_row(webhook: &Webhook) -> Vec<String> {
    vec![
        webhook.id.clone(),
        webhook.status.clone(),
        webhook.events.join(","),
        webhook.url.clone(),
        webhook.created_at.clone(),
    ]
}

fn write_webhook(out: &mut impl Write, webhook: &Webhook) -> std::io::Result<()> {
    let phone_number_ids = match webhook.phone_number_ids.as_deref() {
        Some(ids) if !ids.is_empty() => ids.join(", "),
        _ => "all".to_owned(),
    };
    write_fields(
        out,
        &[
            ("id", Some(webhook.id.clone())),
            ("url", Some(webhook.url.clone())),
            ("status", Some(webhook.status.clone())),
            ("events", Some(webhook.events.join(", "))),
            ("phone_number_ids", Some(phone_number_ids)),
            ("description", webhook.description.clone()),
            ("created_at", Some(webhook.created_at.clone())),
        ],
    )
}

fn delivery_row(delivery: &Delivery) -> Vec<String> {
    let last_answer = match delivery.last_attempt() {
        None => "-".to_owned(),
        Some(attempt) => {
            let took = attempt.duration_ms.map(|ms| format!(" in {ms} ms")).unwrap_or_default();
            match (attempt.status_code, &attempt.error) {
                (Some(status), _) => format!("{status}{took}"),
                (None, Some(error)) => super::messages::one_line(error),
                (None, None) => "no answer".to_owned(),
            }
        }
    };
    vec![
        delivery.created_at.clone(),
        delivery.kind.clone(),
        delivery.status.clone(),
        delivery.attempts.len().to_string(),
        last_answer,
        delivery.id.clone(),
    ]
}

fn parse_event_type(text: &str) -> Result<String, String> {
    match parse_event_pattern(text)? {
        kind if kind.ends_with('*') => Err(format!("{kind:?} is a pattern; give one event type, e.g. message.read")),
        kind => Ok(kind),
    }
}
