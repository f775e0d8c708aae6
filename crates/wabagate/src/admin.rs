//! `wabagate admin …`: operator commands on the store directly, for setups without a
//! dashboard. Each prints one short human line (or a table) by default and its object as
//! JSON with `--json`. An API key is shown once, when created; tokens never.

use std::io::{Read, Write};

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use url::Url;
use uuid::Uuid;
use wabagate_server::control::ConnectionView;
use wabagate_server::{AppState, ServerConfig};
use wabagate_store::{AccessToken, Account, ApiKeyInfo, Migrations, Store};

use crate::serve::UpstreamChoice;
use crate::settings::{FileConfig, StoreArgs, StoreSettings};

#[derive(Debug, clap::Args)]
pub(crate) struct AdminArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Print the resulting object as JSON instead of a human line.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Accounts: the gateway's tenants.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// API keys: created (and shown) once, listed by prefix, revoked by id.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Connections made without the browser flow.
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// Write a consistent copy of the store to a new file, safely while `serve` runs.
    /// Keep it together with the master key (WABAGATE_SECRET_KEY or DATA_DIR/secret.key):
    /// the tokens in it open only with that key.
    ///
    /// Example: wabagate admin backup --to wabagate-backup.db
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Meta's webhooks that no connection owned when they arrived.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// Bring the database schema up to date, then exit: for deployments whose instances
    /// start with `serve --no-migrate`. Running it again changes nothing.
    ///
    /// Example: wabagate admin migrate
    Migrate,
}

#[derive(Debug, Subcommand)]
enum WebhooksCommand {
    /// List webhook changes kept aside because no ACTIVE connection owned their phone
    /// number or WABA. Example: wabagate admin webhooks unrouted
    Unrouted {
        /// Include those already rerouted.
        #[arg(long)]
        all: bool,
    },
    /// Apply the unrouted changes whose phone number or WABA a connection owns now.
    /// Example: wabagate admin webhooks reroute
    Reroute,
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Create an account. Example: wabagate admin accounts create acme
    Create { name: String },
    /// List accounts. Example: wabagate admin accounts list --json
    List,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create an API key for an account (by name or id); the key is printed once.
    /// Example: wabagate admin keys create --account acme
    Create {
        #[arg(long)]
        account: String,
    },
    /// List API keys (prefixes only), of one account or all.
    /// Example: wabagate admin keys list --account acme
    List {
        #[arg(long)]
        account: Option<String>,
    },
    /// Revoke an API key by its id; it stops working within a second.
    /// Example: wabagate admin keys revoke 6f1c…
    Revoke { key_id: Uuid },
}

#[derive(Debug, Subcommand)]
enum ConnectionsCommand {
    /// Import a permanent System User token as an ACTIVE connection; its WABA and phone
    /// numbers are discovered through the upstream when it is reachable.
    /// Example: wabagate admin connections import --account acme --token - --waba-id 1000000000000100 < token.txt
    Import {
        #[arg(long)]
        account: String,
        /// The token, or `-` to read it from standard input (keeps it out of the process list).
        #[arg(long)]
        token: String,
        /// The WABA the token is for; found through the token's inspection when omitted.
        #[arg(long)]
        waba_id: Option<String>,
        /// Upstream used for discovery: `sandbox` or an origin. [default: as `serve`]
        #[arg(long, env = "WABAGATE_UPSTREAM")]
        upstream: Option<String>,
    },
}

pub(crate) async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(args.store.config.as_deref())?;
    let settings = StoreSettings::resolve(&args.store, &file);
    // Every admin command migrates first, as `serve` does by default.
    let store = settings.open_store(Migrations::Run).await?;
    let outcome = match args.command {
        AdminCommand::Accounts(command) => accounts(&store, command, args.json).await,
        AdminCommand::Keys(command) => keys(&store, command, args.json).await,
        AdminCommand::Webhooks(command) => webhooks(&store, command, args.json).await,
        AdminCommand::Connections(ConnectionsCommand::Import { account, token, waba_id, upstream }) => {
            let upstream = FileConfig::under(upstream, file.upstream.clone(), || "sandbox".to_owned());
            import(&store, &file, &account, &token, waba_id.as_deref(), &upstream, args.json).await
        }
        AdminCommand::Backup { to } => backup(&store, &to, args.json).await,
        AdminCommand::Migrate => {
            let url = wabagate_store::redacted(&settings.database_url);
            let done = serde_json::json!({"database": url, "backend": store.dialect().name(), "schema": "up to date"});
            print(args.json, &done, || format!("The schema of {url} ({}) is up to date", store.dialect().name()));
            Ok(())
        }
    };
    store.close().await;
    outcome
}

async fn accounts(store: &Store, command: AccountsCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        AccountsCommand::Create { name } => {
            let account = store.create_account(&name).await?;
            print(as_json, &account, || format!("Created account {} ({})", account.name, account.account_id));
        }
        AccountsCommand::List => {
            let accounts = store.list_accounts().await?;
            print(as_json, &accounts, || {
                let mut table = format!("{:<36}  {:<24}  {}", "ACCOUNT ID", "NAME", "CREATED");
                for account in &accounts {
                    table += &format!("\n{:<36}  {:<24}  {}", account.account_id, account.name, account.creation_time);
                }
                table
            });
        }
    }
    Ok(())
}

async fn keys(store: &Store, command: KeysCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create { account } => {
            let account = find_account(store, &account).await?;
            let (info, key) = store.create_api_key(account.account_id).await?;
            let shown = json!({
                "key_id": info.key_id, "account_id": info.account_id, "prefix": info.prefix,
                "creation_time": info.creation_time, "api_key": key.expose(),
            });
            print(as_json, &shown, || {
                format!(
                    "Created API key {} for account {}. It is shown only this once:\n{}",
                    info.key_id,
                    account.name,
                    key.expose()
                )
            });
        }
        KeysCommand::List { account } => {
            let account_id = match account {
                Some(account) => Some(find_account(store, &account).await?.account_id),
                None => None,
            };
            let keys = store.list_api_keys(account_id).await?;
            print(as_json, &keys, || key_table(&keys));
        }
        KeysCommand::Revoke { key_id } => {
            let info =
                store.revoke_api_key(key_id).await.map_err(|_| anyhow::anyhow!("no API key with id {key_id}"))?;
            print(as_json, &info, || format!("Revoked API key {} ({}…)", info.key_id, info.prefix));
        }
    }
    Ok(())
}

async fn webhooks(store: &Store, command: WebhooksCommand, as_json: bool) -> anyhow::Result<()> {
    match command {
        WebhooksCommand::Unrouted { all } => {
            let changes = store.unrouted_changes(all).await?;
            print(as_json, &changes, || {
                let mut table =
                    format!("{:<8}  {:<32}  {:<34}  {:<27}  {}", "ID", "FIELD", "ROUTED BY", "RECEIVED", "REROUTED");
                for change in &changes {
                    let routed_by = format!("{} {}", change.route_kind, change.route_id);
                    let rerouted = change.rerouted_at.map(|at| at.to_string()).unwrap_or_else(|| "-".to_owned());
                    table += &format!(
                        "\n{:<8}  {:<32}  {:<34}  {:<27}  {}",
                        change.unrouted_id, change.field, routed_by, change.received_at, rerouted
                    );
                }
                table
            });
        }
        WebhooksCommand::Reroute => {
            let outcome = wabagate_server::inbound::reroute(store, wabagate_store::Timestamp::now()).await?;
            print(as_json, &outcome, || {
                format!("Rerouted {} change(s); {} still without an owner", outcome.rerouted, outcome.still_unrouted)
            });
        }
    }
    Ok(())
}

fn key_table(keys: &[ApiKeyInfo]) -> String {
    let mut table =
        format!("{:<36}  {:<36}  {:<12}  {:<27}  {}", "KEY ID", "ACCOUNT ID", "PREFIX", "CREATED", "REVOKED");
    for key in keys {
        let revoked = key.revoked_time.map(|at| at.to_string()).unwrap_or_else(|| "-".to_owned());
        table += &format!(
            "\n{:<36}  {:<36}  {:<12}  {:<27}  {}",
            key.key_id, key.account_id, key.prefix, key.creation_time, revoked
        );
    }
    table
}

async fn import(
    store: &Store,
    file: &FileConfig,
    account: &str,
    token: &str,
    waba_id: Option<&str>,
    upstream: &str,
    as_json: bool,
) -> anyhow::Result<()> {
    let account = find_account(store, account).await?;
    let token = if token == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("reading the token from standard input")?;
        text.trim().to_owned()
    } else {
        token.to_owned()
    };
    anyhow::ensure!(!token.is_empty(), "the token is empty");
    let token = AccessToken::new(token);

    // A sandbox of its own, without the state file a running `serve` may be writing.
    let (upstream_url, sandbox) = UpstreamChoice::parse(upstream)?.start(None).await?;
    let public_url = match &file.public_url {
        Some(text) => Url::parse(text)?,
        None => Url::parse("http://127.0.0.1:8080")?,
    };
    let state = AppState::new(ServerConfig::new(public_url, upstream_url.clone()), store.clone());
    let metadata = match wabagate_server::discovery::discover_assets(&state, &token, waba_id).await {
        Ok(metadata) => metadata,
        Err(error) => {
            eprintln!(
                "warning: discovery through {upstream_url} failed ({error:#}); storing the connection without phone numbers"
            );
            json!({"waba_ids": waba_id.into_iter().collect::<Vec<_>>(), "phone_numbers": []})
        }
    };
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    let connection = store.create_active_connection(account.account_id, "whatsapp-business", &token, metadata).await?;
    let view = ConnectionView::new(&state, connection);
    print(as_json, &json!({ "connection": &view }), || {
        let numbers: Vec<&str> = view.metadata["phone_numbers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|number| number["display_phone_number"].as_str())
            .collect();
        format!(
            "Imported connection {} (ACTIVE) for account {}; phone numbers: {}",
            view.connection_id,
            account.name,
            if numbers.is_empty() { "none found".to_owned() } else { numbers.join(", ") }
        )
    });
    Ok(())
}

async fn backup(store: &Store, to: &std::path::Path, as_json: bool) -> anyhow::Result<()> {
    store.backup_to(to).await.with_context(|| format!("backing up the store to {}", to.display()))?;
    let bytes = std::fs::metadata(to).map(|metadata| metadata.len()).unwrap_or(0);
    print(as_json, &json!({"backup": to, "bytes": bytes}), || {
        format!(
            "Backed up the store to {} ({bytes} bytes). Keep it with the master key: its tokens open only with that key.",
            to.display()
        )
    });
    Ok(())
}

async fn find_account(store: &Store, id_or_name: &str) -> anyhow::Result<Account> {
    store.find_account(id_or_name).await.map_err(|_| anyhow::anyhow!("no account named or with id {id_or_name:?}"))
}

fn print<T: serde::Serialize>(as_json: bool, value: &T, human: impl FnOnce() -> String) {
    let text = if as_json { serde_json::to_string_pretty(value).unwrap_or_default() } else { human() };
    // Not println!, which panics when the reader has gone (`| head -1`): that is no error.
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
