//! `wabagate conversations list|show`: the customers of each business number, whether
//! their 24-hour service window is open, and a whole thread in order.

use std::io::Write;

use clap::{Args, Subcommand};
use wabagate_sdk::{ConversationQuery, LedgerMessage, ServiceWindow};

use super::context::{ClientOptions, phone_number_id};
use super::failure::{Failure, SdkResultExt};
use super::messages::one_line;
use super::output::{write_fields, write_raw_body, write_raw_pages};
use super::table::write_table;

/// List customers with their last message and service window, or show one thread.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate conversations show 1234567890")]
pub(crate) struct ConversationsCommand {
    #[command(flatten)]
    options: ClientOptions,
    /// The business phone number [list: every number; show: the connection's only one].
    #[arg(long, global = true, env = "WABAGATE_PHONE_NUMBER_ID", value_name = "ID")]
    phone_number_id: Option<String>,
    #[command(subcommand)]
    action: ConversationsAction,
}

#[derive(Debug, Subcommand)]
enum ConversationsAction {
    /// List customers, each with the last message and whether the service window is open.
    #[command(after_help = "Example:\n  wabagate conversations list --limit 20")]
    List {
        /// Stop after this many conversations.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one customer's thread with a business number, oldest message first.
    #[command(after_help = "Example:\n  wabagate conversations show 1234567890")]
    Show {
        /// The customer's wa_id.
        wa_id: String,
    },
}

pub(crate) async fn run(command: ConversationsCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        ConversationsAction::List { limit } => {
            let query = ConversationQuery { phone_number_id: command.phone_number_id, max_items: limit };
            let listed = client.list_conversations(&query).await.or_fail(json)?;
            if json {
                return Ok(write_raw_pages(out, &listed.pages)?);
            }
            let rows: Vec<Vec<String>> = listed
                .items
                .iter()
                .map(|conversation| {
                    vec![
                        conversation.phone_number_id.clone(),
                        conversation.wa_id.clone(),
                        conversation.profile_name.as_deref().map(one_line).unwrap_or_default(),
                        window_text(&conversation.window),
                        summary(&conversation.last_message),
                    ]
                })
                .collect();
            write_table(
                out,
                &["PHONE NUMBER ID", "WA ID", "NAME", "WINDOW", "LAST MESSAGE"],
                &rows,
                "No conversations.",
            )?;
        }
        ConversationsAction::Show { wa_id } => {
            let phone_number_id = phone_number_id(&client, command.phone_number_id, json).await?;
            let shown = client.conversation(&phone_number_id, &wa_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &shown.body)?);
            }
            let thread = &shown.value.conversation;
            write_fields(
                out,
                &[
                    ("phone_number_id", Some(thread.phone_number_id.clone())),
                    ("wa_id", Some(thread.wa_id.clone())),
                    ("profile_name", thread.profile_name.as_deref().map(one_line)),
                    ("window", Some(window_text(&thread.window))),
                ],
            )?;
            writeln!(out)?;
            let rows: Vec<Vec<String>> = thread
                .messages
                .iter()
                .map(|message| {
                    let arrow = if message.direction == wabagate_sdk::MessageDirection::Inbound { "<-" } else { "->" };
                    vec![
                        message.created_at.clone(),
                        arrow.to_owned(),
                        message.kind.clone(),
                        message.status.to_string(),
                        message.text_body().map(one_line).unwrap_or_default(),
                    ]
                })
                .collect();
            write_table(out, &["CREATED", "", "TYPE", "STATUS", "TEXT"], &rows, "No messages.")?;
        }
    }
    Ok(())
}

/// `open until …` or `closed`.
fn window_text(window: &ServiceWindow) -> String {
    match (&window.open, &window.open_until) {
        (true, Some(until)) => format!("open until {until}"),
        (true, None) => "open".to_owned(),
        (false, _) => "closed".to_owned(),
    }
}

/// `inbound text: hello` for the last-message column.
fn summary(message: &LedgerMessage) -> String {
    let mut text = format!("{} {} {}", message.direction.as_str(), message.kind, message.status);
    if let Some(body) = message.text_body() {
        let shown: String = one_line(body).chars().take(40).collect();
        text.push_str(": ");
        text.push_str(&shown);
        if shown.chars().count() < body.chars().count() {
            text.push('…');
        }
    }
    text
}
