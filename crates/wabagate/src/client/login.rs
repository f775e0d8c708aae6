//! `wabagate login` saves a gateway URL and API key as a named profile (see
//! `profile_store`), after checking with the gateway that the key works; `wabagate whoami`
//! shows which gateway and key the other commands would use, and the account's connections.

use std::io::{IsTerminal, Write};

use clap::Args;
use wabagate_sdk::{ClientBuilder, ConnectionFilter, DEFAULT_BASE_URL, RetryPolicy};

use super::context::{ClientOptions, KeySource};
use super::failure::{Failure, SdkResultExt};
use super::profile_store::{self, Profile, Profiles};
use super::stdio;
use super::table::write_table;

/// Save a gateway URL and API key as a profile, once the gateway accepts the key.
#[derive(Debug, Args)]
#[command(
    after_help = "The key is read from standard input with --api-key -, or asked for (without echo) at a terminal.\n\n\
Examples:\n  \
wabagate login --url http://127.0.0.1:8080 --api-key - < key.txt\n  \
wabagate login --profile staging --url https://wa.example.com   # example: not run (asks for the key)"
)]
pub(crate) struct LoginCommand {
    #[command(flatten)]
    options: ClientOptions,
}

/// Show the gateway, the API key and the profile the other commands use, and the connections.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate whoami")]
pub(crate) struct WhoamiCommand {
    #[command(flatten)]
    options: ClientOptions,
}

pub(crate) async fn login(command: LoginCommand, out: &mut impl Write) -> Result<(), Failure> {
    let options = command.options;
    let Some(path) = profile_store::path() else {
        return Err(Failure::usage("this system has no config directory to save profiles in"));
    };
    let (name, saved) = match options.profile() {
        Ok(found) => found,
        // A profile that does not exist yet is what login makes.
        Err(_) => (options.profile.clone().unwrap_or_default(), None),
    };
    profile_store::check_name(&name).map_err(Failure::usage)?;
    let url = options
        .base_url
        .clone()
        .or_else(|| saved.as_ref().map(|profile| profile.url.clone()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let api_key = match options.api_key.as_deref() {
        Some("-") => stdio::text_or_stdin("--api-key", "-")?,
        Some(key) => key.to_owned(),
        None if std::io::stdin().is_terminal() => rpassword::prompt_password(format!("API key for {url}: "))
            .map_err(|error| Failure::usage(format!("reading the API key: {error}")))?,
        None => return Err(Failure::usage("no API key: pass --api-key - and write the key to standard input")),
    };
    let api_key = api_key.trim().to_owned();
    if api_key.is_empty() {
        return Err(Failure::usage("the API key is empty"));
    }

    // Checked before it is saved: a profile that cannot work is worse than none.
    let client = ClientBuilder::from_settings(wabagate_sdk::ClientSettings {
        base_url: url.clone(),
        api_key: Some(wabagate_sdk::ApiKey::new(api_key.clone())),
        connection_id: None,
        graph_version: options.graph_version.clone(),
    })
    .retry_policy(RetryPolicy::never())
    .build()
    .or_fail(options.json)?;
    let listed = client.list_connections(&ConnectionFilter::default()).await.or_fail(options.json)?;

    let mut profiles = Profiles::load(&path).map_err(Failure::usage)?;
    profiles.profiles.insert(name.clone(), Profile { url: url.clone(), api_key });
    profiles.save(&path).map_err(|error| Failure::usage(format!("saving {}: {error}", path.display())))?;
    let count = listed.value.connections.len();
    writeln!(
        out,
        "Logged in to {url} as profile {name} ({count} connection{}); saved in {}.",
        if count == 1 { "" } else { "s" },
        path.display()
    )?;
    Ok(())
}

pub(crate) async fn whoami(command: WhoamiCommand, out: &mut impl Write) -> Result<(), Failure> {
    let options = command.options;
    let json = options.json;
    let resolved = options.resolve()?;
    let client = options.client(false)?;
    let listed = client.list_connections(&ConnectionFilter::default()).await.or_fail(json)?;
    if json {
        let connections: serde_json::Value = serde_json::from_slice(&listed.body).unwrap_or_default();
        let description = serde_json::json!({
            "url": resolved.base_url,
            "key_from": key_source(&resolved.key_source),
            "api_key": shown_key(resolved.api_key.as_ref().map(|key| key.expose()).unwrap_or_default()),
            "connections": connections.get("connections").cloned().unwrap_or_default(),
        });
        return Ok(writeln!(out, "{description}")?);
    }
    writeln!(out, "gateway:  {}", resolved.base_url)?;
    writeln!(
        out,
        "api key:  {} ({})",
        shown_key(resolved.api_key.as_ref().map(|key| key.expose()).unwrap_or_default()),
        key_source(&resolved.key_source)
    )?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = listed
        .value
        .connections
        .iter()
        .map(|connection| {
            let numbers = super::context::numbers_of(connection);
            vec![connection.connection_id.clone(), connection.status.to_string(), numbers.join(", ")]
        })
        .collect();
    write_table(
        out,
        &["CONNECTION", "STATUS", "PHONE NUMBERS"],
        &rows,
        "No connections yet: `wabagate connections create --open`.",
    )?;
    Ok(())
}

fn key_source(source: &KeySource) -> String {
    match source {
        KeySource::Flag => "from --api-key".to_owned(),
        KeySource::Environment => "from the environment".to_owned(),
        KeySource::Profile(name) => format!("from profile {name}"),
        KeySource::Nowhere => "none".to_owned(),
    }
}

/// Enough of a key to tell keys apart, never enough to use it.
fn shown_key(key: &str) -> String {
    let shown: String = key.chars().take(8).collect();
    format!("{shown}…")
}
