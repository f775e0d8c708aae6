//! `wabagate messages list|get|media`: the gateway's message ledger, both directions, with
//! each message's status history and Meta's errors, and an inbound message's media.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use wabagate_sdk::{LedgerMessage, MessageDirection, MessageQuery, MessageStatus};

use super::context::ClientOptions;
use super::failure::{Failure, SdkResultExt};
use super::output::{write_download, write_fields, write_raw_body, write_raw_pages};
use super::table::write_table;

/// List and show the messages the gateway recorded (sent and received) and their statuses.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate messages list --direction inbound --limit 20")]
pub(crate) struct MessagesCommand {
    #[command(flatten)]
    options: ClientOptions,
    #[command(subcommand)]
    action: MessagesAction,
}

#[derive(Debug, Subcommand)]
enum MessagesAction {
    /// List messages, newest first, every page followed (with --json, one raw page per line).
    #[command(after_help = "Example:\n  wabagate messages list --status failed --since 2026-01-01T00:00:00Z")]
    List(ListArgs),
    /// Show one message with its status history and, if it failed, Meta's error.
    #[command(after_help = "Example:\n  wabagate messages get wamid.HBgL...")]
    Get {
        /// The message's wamid.
        wamid: String,
    },
    /// Download the media (image, document, …) of an inbound message into a file.
    #[command(after_help = "Example:\n  wabagate messages media wamid.HBgL… --output photo.jpg")]
    Media {
        /// The inbound message's wamid.
        wamid: String,
        /// Where to write the content.
        #[arg(long, short, value_name = "PATH")]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only `outbound` or `inbound` messages.
    #[arg(long, value_parser = parse_direction)]
    direction: Option<MessageDirection>,
    /// Only messages in this status (accepted, sent, delivered, read, failed, received).
    #[arg(long, value_parser = parse_status)]
    status: Option<MessageStatus>,
    /// Only messages of this business phone number.
    #[arg(long, value_name = "ID")]
    phone_number_id: Option<String>,
    /// Only messages to or from this customer (wa_id).
    #[arg(long, value_name = "WA_ID")]
    peer: Option<String>,
    /// Only messages created at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only messages created before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Stop after this many messages.
    #[arg(long)]
    limit: Option<usize>,
    /// Start from this page (a `next_cursor` of an earlier --json listing).
    #[arg(long)]
    cursor: Option<String>,
}

pub(crate) async fn run(command: MessagesCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        MessagesAction::List(args) => {
            let query = MessageQuery {
                direction: args.direction,
                status: args.status,
                phone_number_id: args.phone_number_id,
                peer: args.peer,
                since: args.since,
                until: args.until,
                page_size: None,
                cursor: args.cursor,
                max_items: args.limit,
            };
            let listed = client.list_messages(&query).await.or_fail(json)?;
            if json {
                return Ok(write_raw_pages(out, &listed.pages)?);
            }
            let rows: Vec<Vec<String>> = listed.items.iter().map(message_row).collect();
            write_table(out, &["CREATED", "DIRECTION", "PEER", "TYPE", "STATUS", "WAMID"], &rows, "No messages.")?;
        }
        MessagesAction::Get { wamid } => {
            let shown = client.ledger_message(&wamid).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &shown.body)?);
            }
            write_message(out, &shown.value.message)?;
        }
        MessagesAction::Media { wamid, output } => {
            let downloaded = client.download_message_media(&wamid, &output).await.or_fail(json)?;
            let what = format!("the media of {wamid}");
            write_download(out, json, ("wamid", &wamid), &what, &output, &downloaded)?;
        }
    }
    Ok(())
}

fn message_row(message: &LedgerMessage) -> Vec<String> {
    vec![
        message.created_at.clone(),
        message.direction.as_str().to_owned(),
        message.peer.clone(),
        message.kind.clone(),
        message.status.to_string(),
        message.wamid.clone(),
    ]
}

/// A message as a `key: value` block, then its status history.
pub(crate) fn write_message(out: &mut impl Write, message: &LedgerMessage) -> std::io::Result<()> {
    write_fields(
        out,
        &[
            ("wamid", Some(message.wamid.clone())),
            ("direction", Some(message.direction.as_str().to_owned())),
            ("phone_number_id", Some(message.phone_number_id.clone())),
            ("peer", Some(message.peer.clone())),
            ("profile_name", message.profile_name.as_deref().map(one_line)),
            ("type", Some(message.kind.clone())),
            ("text", message.text_body().map(one_line)),
            ("template", message.template_name.clone()),
            ("status", Some(message.status.to_string())),
            ("error", message.first_error().map(ToString::to_string)),
            ("reply_to", message.reply_to.clone()),
            ("callback_data", message.biz_opaque_callback_data.clone()),
            ("created_at", Some(message.created_at.clone())),
        ],
    )?;
    if !message.statuses.is_empty() {
        writeln!(out)?;
        let rows: Vec<Vec<String>> = message
            .statuses
            .iter()
            .map(|change| vec![change.status.to_string(), change.timestamp.clone(), change.received_at.clone()])
            .collect();
        write_table(out, &["STATUS", "TIMESTAMP", "RECEIVED"], &rows, "")?;
    }
    Ok(())
}

/// Text a customer wrote, made safe for one table cell or field: control characters
/// (newlines, terminal escapes) become spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.chars().map(|character| if character.is_control() { ' ' } else { character }).collect()
}

fn parse_direction(text: &str) -> Result<MessageDirection, String> {
    MessageDirection::parse(text).ok_or_else(|| format!("unknown direction {text:?}; use outbound or inbound"))
}

pub(crate) fn parse_status(text: &str) -> Result<MessageStatus, String> {
    MessageStatus::parse(text).ok_or_else(|| {
        let known: Vec<&str> = MessageStatus::ALL.iter().map(|status| status.as_str()).collect();
        format!("unknown status {text:?}; use one of {}", known.join(", "))
    })
}
