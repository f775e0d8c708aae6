//! `wabagate connections list|create|get|delete|reconnect`, with `--open` to open the
//! connect URL in a browser and `--wait` to wait until the connection is ACTIVE.

mod browser;

use std::io::Write;
use std::time::Duration;

use clap::{Args, Subcommand};
use wabagate_sdk::{Client, Connection, ConnectionFilter, ConnectionStatus, NewConnection, WaitOptions};

use super::choices::one_of;
use super::context::{ClientOptions, numbers_of};
use super::failure::{Failure, SdkResultExt};
use super::output::{write_fields, write_raw_body};
use super::table::write_table;

/// List, create, show, delete and reconnect WhatsApp Business connections.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate connections list")]
pub(crate) struct ConnectionsCommand {
    #[command(flatten)]
    options: ClientOptions,
    #[command(subcommand)]
    action: ConnectionsAction,
}

#[derive(Debug, Subcommand)]
enum ConnectionsAction {
    /// List the account's connections.
    #[command(after_help = "Example:\n  wabagate connections list --status ACTIVE")]
    List {
        /// Only connections of this app.
        #[arg(long)]
        app: Option<String>,
        /// Only connections in this status.
        #[arg(long, ignore_case = true, value_parser = one_of(["PENDING", "ACTIVE", "FAILED", "EXPIRED"], ConnectionStatus::parse))]
        status: Option<ConnectionStatus>,
        /// Only connections carrying this tag; repeat for several (all must match).
        #[arg(long = "tag", value_name = "NAME=VALUE", value_parser = parse_tag)]
        tags: Vec<(String, String)>,
    },
    /// Start a new WhatsApp Business connection and print the URL that finishes it.
    #[command(
        after_help = "Examples:\n  wabagate connections create --tag tenant=acme --end-user-id acme-42\n  wabagate connections create --open --wait --timeout 600   # example: not run (waits for a person to connect)"
    )]
    Create {
        #[command(flatten)]
        attached: AttachedArgs,
        #[command(flatten)]
        flow: FlowArgs,
    },
    /// Show one connection.
    #[command(after_help = "Example:\n  wabagate connections get 21fd90f9-5935-43cd-b6c8-bde9d915ca80")]
    Get {
        /// The connection id.
        connection_id: String,
    },
    /// Delete a connection.
    #[command(after_help = "Example:\n  wabagate connections delete 21fd90f9-5935-43cd-b6c8-bde9d915ca80")]
    Delete {
        /// The connection id.
        connection_id: String,
    },
    /// Start the connect flow again for a FAILED or EXPIRED connection.
    #[command(after_help = "Example:\n  wabagate connections reconnect 21fd90f9-5935-43cd-b6c8-bde9d915ca80 --open")]
    Reconnect {
        /// The connection id.
        connection_id: String,
        #[command(flatten)]
        flow: FlowArgs,
    },
}

/// What an app attaches to a connection it creates.
#[derive(Debug, Args)]
struct AttachedArgs {
    /// Where the business's browser goes after connecting (the gateway's operator allows
    /// its origin with `serve --connect-redirect-origin`).
    #[arg(long, value_name = "URL")]
    redirect_url: Option<String>,
    /// A label to find the connection by (`connections list --tag`); repeat for several.
    #[arg(long = "tag", value_name = "NAME=VALUE", value_parser = parse_tag)]
    tags: Vec<(String, String)>,
    /// Your own id for the business this connection is for.
    #[arg(long, value_name = "ID")]
    end_user_id: Option<String>,
    /// Connect even a WhatsApp Business Account that an ACTIVE connection already has.
    #[arg(long)]
    force: bool,
}

impl AttachedArgs {
    fn into_new_connection(self) -> NewConnection {
        NewConnection {
            redirect_url: self.redirect_url,
            tags: self.tags.into_iter().collect(),
            end_user_id: self.end_user_id,
            force: self.force,
        }
    }
}

/// `NAME=VALUE`, split at the first `=` (a value may hold more).
fn parse_tag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("{text:?} is not NAME=VALUE (e.g. tenant=acme)")),
    }
}

/// What to do with a connect URL.
#[derive(Debug, Args)]
struct FlowArgs {
    /// Open the connect URL in the default browser ($BROWSER, else the system's opener).
    #[arg(long)]
    open: bool,
    /// Wait until the connection is ACTIVE.
    #[arg(long)]
    wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,
}

pub(crate) async fn run(command: ConnectionsCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        ConnectionsAction::List { app, status, tags } => {
            let listed = client.list_connections(&ConnectionFilter { app, status, tags }).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &listed.body)?);
            }
            let rows: Vec<Vec<String>> = listed
                .value
                .connections
                .iter()
                .map(|connection| {
                    vec![
                        connection.connection_id.clone(),
                        connection.status.to_string(),
                        connection.app.clone(),
                        phone_number_cell(connection),
                        connection.creation_time.clone(),
                    ]
                })
                .collect();
            write_table(out, &["ID", "STATUS", "APP", "PHONE NUMBER ID", "CREATED"], &rows, "No connections.")?;
        }
        ConnectionsAction::Create { attached, flow } => {
            let created = client.create_connection_with(&attached.into_new_connection()).await.or_fail(json)?;
            let connection = &created.value.connection;
            if json {
                write_raw_body(out, &created.body)?;
            } else {
                writeln!(out, "Created connection {} ({}).", connection.connection_id, connection.status)?;
                if let Some(url) = &connection.url {
                    writeln!(out, "Open this URL to connect a WhatsApp Business Account:\n  {url}")?;
                }
            }
            follow_flow(&client, connection, &flow, json, out).await?;
        }
        ConnectionsAction::Get { connection_id } => {
            let shown = client.connection(&connection_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &shown.body)?);
            }
            write_connection(out, &shown.value.connection)?;
        }
        ConnectionsAction::Delete { connection_id } => {
            let deleted = client.delete_connection(&connection_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &deleted.body)?);
            }
            writeln!(out, "Deleted connection {connection_id}.")?;
        }
        ConnectionsAction::Reconnect { connection_id, flow } => {
            let reconnected = client.reconnect_connection(&connection_id).await.or_fail(json)?;
            let connection = &reconnected.value.connection;
            if json {
                write_raw_body(out, &reconnected.body)?;
            } else {
                writeln!(out, "Reconnecting {} ({}).", connection.connection_id, connection.status)?;
                if let Some(url) = &connection.url {
                    writeln!(out, "Open this URL to connect again:\n  {url}")?;
                }
            }
            follow_flow(&client, connection, &flow, json, out).await?;
        }
    }
    Ok(())
}

/// `--open` and `--wait` after a create or reconnect. Progress goes to stderr so that
/// `--json` output stays one body.
async fn follow_flow(
    client: &Client,
    connection: &Connection,
    flow: &FlowArgs,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    if let (true, Some(url)) = (flow.open, &connection.url) {
        if let Err(reason) = browser::open(url) {
            eprintln!("Could not open a browser ({reason}); open the URL above yourself.");
        }
    }
    if flow.wait {
        eprintln!("Waiting up to {}s for connection {} to become ACTIVE…", flow.timeout, connection.connection_id);
        let options = WaitOptions { timeout: Duration::from_secs(flow.timeout), ..WaitOptions::default() };
        let active = client.wait_until_active(&connection.connection_id, options).await.or_fail(json)?;
        if !json {
            writeln!(out, "Connection {} is ACTIVE.", active.connection_id)?;
        }
    }
    Ok(())
}

/// The one phone number id, or how many there are when there are several (`get` lists them).
fn phone_number_cell(connection: &Connection) -> String {
    let count = connection.metadata.get("phone_numbers").and_then(|numbers| numbers.as_array()).map_or(0, Vec::len);
    match connection.single_phone_number_id() {
        Some(id) => id.to_owned(),
        None if count > 1 => format!("{count} numbers"),
        None => String::new(),
    }
}

fn write_connection(out: &mut impl Write, connection: &Connection) -> std::io::Result<()> {
    let phone_numbers = Some(numbers_of(connection).join(", ")).filter(|numbers| !numbers.is_empty());
    let waba_ids = connection
        .metadata
        .get("waba_ids")
        .and_then(|ids| ids.as_array())
        .map(|ids| ids.iter().filter_map(|id| id.as_str()).collect::<Vec<_>>().join(", "));
    let tags = Some(connection.tags.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>())
        .filter(|tags| !tags.is_empty())
        .map(|tags| tags.join(", "));
    write_fields(
        out,
        &[
            ("id", Some(connection.connection_id.clone())),
            ("status", Some(connection.status.to_string())),
            ("app", Some(connection.app.clone())),
            ("created", Some(connection.creation_time.clone())),
            ("updated", Some(connection.last_updated_time.clone())),
            ("url", connection.url.clone()),
            ("waba_ids", waba_ids),
            ("phone_numbers", phone_numbers),
            ("redirect_url", connection.redirect_url.clone()),
            ("tags", tags),
            ("end_user_id", connection.end_user_id.clone()),
            ("error", connection.metadata.get("error").map(failure_reason)),
        ],
    )
}

/// `metadata.error` of a FAILED connection, `{"reason","description"}`, as one line.
fn failure_reason(error: &serde_json::Value) -> String {
    let text = |key: &str| error.get(key).and_then(|value| value.as_str()).filter(|text| !text.is_empty());
    match (text("reason"), text("description")) {
        (Some(reason), Some(description)) => format!("{reason}: {description}"),
        (Some(only), None) | (None, Some(only)) => only.to_owned(),
        (None, None) => error.as_str().map_or_else(|| error.to_string(), str::to_owned),
    }
}
