//! The flags every client command shares (gateway URL, API key, profile, connection, Graph
//! version, `--json`) and turning them into an SDK client, plus the defaults a connection's
//! metadata gives for `--phone-number-id` and `--waba-id`.
//!
//! Where the URL and key come from, first found wins: the flags, the environment
//! (`WABAGATE_URL`, `WABAGATE_API_KEY`, then `MATON_API_KEY`), the profile `wabagate login`
//! saved (`--profile`, `WABAGATE_PROFILE`, else `default`), the defaults.

use std::sync::OnceLock;

use clap::Args;
use wabagate_sdk::{
    ApiKey, Client, ClientBuilder, ClientSettings, DEFAULT_BASE_URL, DEFAULT_GRAPH_VERSION, RetryPolicy,
};

use super::failure::{Failure, SdkResultExt};
use super::profile_store::{self, DEFAULT_PROFILE, Profile, Profiles};

/// Where the gateway is and who is asking.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Gateway options")]
pub(crate) struct ClientOptions {
    /// The gateway's base URL [default: the profile's, else http://127.0.0.1:8080].
    #[arg(long = "url", global = true, env = "WABAGATE_URL", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// The API key [env: WABAGATE_API_KEY, then MATON_API_KEY; default: the profile's].
    #[arg(long, global = true, value_name = "KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// The saved profile (`wabagate login`) to take the URL and key from.
    #[arg(long, global = true, env = "WABAGATE_PROFILE", value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Use this connection (sent as Maton-Connection) instead of the oldest ACTIVE one.
    #[arg(long, global = true, env = "WABAGATE_CONNECTION", value_name = "CONNECTION_ID")]
    pub(crate) connection: Option<String>,
    /// The Graph API version in gateway paths.
    #[arg(long, global = true, env = "WABAGATE_GRAPH_VERSION", default_value = DEFAULT_GRAPH_VERSION, value_name = "VERSION")]
    pub(crate) graph_version: String,
    /// Print the raw response body instead of a summary.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

/// Where the API key in use came from, for `whoami`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySource {
    Flag,
    Environment,
    Profile(String),
    Nowhere,
}

/// The gateway and key these options resolve to.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) base_url: String,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) key_source: KeySource,
}

/// The client the command built, kept so that a failure's hint can ask the gateway about
/// it afterwards (which connection expired) without every command passing it back.
static BUILT: OnceLock<Client> = OnceLock::new();

/// The client this process's command built, if it got that far.
pub(crate) fn built_client() -> Option<&'static Client> {
    BUILT.get()
}

impl ClientOptions {
    /// The URL and key: flags, then the environment, then the profile, then the defaults.
    pub(crate) fn resolve(&self) -> Result<Resolved, Failure> {
        let environment = ClientSettings::from_env();
        let (api_key, key_source) = match (&self.api_key, environment.api_key) {
            (Some(key), _) => (Some(ApiKey::new(key.clone())), KeySource::Flag),
            (None, Some(key)) => (Some(key), KeySource::Environment),
            (None, None) => (None, KeySource::Nowhere),
        };
        let base_url = self.base_url.clone().filter(|url| !url.trim().is_empty());
        if let (Some(base_url), Some(_)) = (&base_url, &api_key) {
            return Ok(Resolved { base_url: base_url.clone(), api_key, key_source });
        }
        let (name, profile) = self.profile()?;
        let key_from_profile = api_key.is_none() && profile.is_some();
        Ok(Resolved {
            base_url: base_url
                .or_else(|| profile.as_ref().map(|profile| profile.url.clone()))
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            api_key: api_key.or_else(|| profile.as_ref().map(|profile| ApiKey::new(profile.api_key.clone()))),
            key_source: if key_from_profile { KeySource::Profile(name) } else { key_source },
        })
    }

    /// The profile named by `--profile` (which must exist), or `default` if saved.
    pub(crate) fn profile(&self) -> Result<(String, Option<Profile>), Failure> {
        let name = self.profile.clone().unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        profile_store::check_name(&name).map_err(Failure::usage)?;
        let Some(path) = profile_store::path() else { return Ok((name, None)) };
        let profile = Profiles::load(&path).map_err(Failure::usage)?.profiles.remove(&name);
        if profile.is_none() && self.profile.is_some() {
            return Err(Failure::usage(format!(
                "no profile {name:?} in {}: save one with `wabagate login --profile {name}`",
                path.display()
            )));
        }
        Ok((name, profile))
    }

    /// The SDK client for these options; `retry_sends` lets sends be retried on 429/5xx.
    pub(crate) fn client(&self, retry_sends: bool) -> Result<Client, Failure> {
        let resolved = self.resolve()?;
        let settings = ClientSettings {
            base_url: resolved.base_url,
            api_key: resolved.api_key,
            connection_id: self.connection.clone(),
            graph_version: self.graph_version.clone(),
        };
        let client = ClientBuilder::from_settings(settings)
            .retry_policy(RetryPolicy::default())
            .retry_sends(retry_sends)
            .build()
            .or_fail(self.json)?;
        let _ = BUILT.set(client.clone());
        Ok(client)
    }
}

/// `explicit`, or the phone number of the connection in use when it has exactly one.
pub(crate) async fn phone_number_id(client: &Client, explicit: Option<String>, json: bool) -> Result<String, Failure> {
    if let Some(id) = explicit {
        return Ok(id);
    }
    let connection = client.current_connection().await.or_fail(json)?;
    connection.as_ref().and_then(|connection| connection.single_phone_number_id()).map(str::to_owned).ok_or_else(|| {
        Failure::usage(match connection {
            None => "no ACTIVE connection to take the phone number from: pass --phone-number-id".to_owned(),
            Some(connection) => match numbers_of(&connection).as_slice() {
                [] => format!("connection {} has no phone number: pass --phone-number-id", connection.connection_id),
                numbers => format!(
                    "connection {} has {} phone numbers ({}): pass --phone-number-id with one of them",
                    connection.connection_id,
                    numbers.len(),
                    numbers.join(", ")
                ),
            },
        })
    })
}

/// `explicit`, or the WABA of the connection in use when it has exactly one.
pub(crate) async fn waba_id(client: &Client, explicit: Option<String>, json: bool) -> Result<String, Failure> {
    if let Some(id) = explicit {
        return Ok(id);
    }
    let connection = client.current_connection().await.or_fail(json)?;
    connection.as_ref().and_then(|connection| connection.single_waba_id()).map(str::to_owned).ok_or_else(|| {
        Failure::usage(match connection {
            None => "no ACTIVE connection to take the WhatsApp Business Account from: pass --waba-id".to_owned(),
            Some(connection) => format!(
                "connection {} does not have exactly one WhatsApp Business Account: pass --waba-id",
                connection.connection_id
            ),
        })
    })
}

/// The connection's phone numbers as `ID (+1 555…)`, for messages that ask to pick one.
pub(crate) fn numbers_of(connection: &wabagate_sdk::Connection) -> Vec<String> {
    let Some(numbers) = connection.metadata.get("phone_numbers").and_then(|numbers| numbers.as_array()) else {
        return Vec::new();
    };
    numbers
        .iter()
        .map(|number| {
            let id = number.get("id").and_then(|id| id.as_str()).unwrap_or("?");
            match number.get("display_phone_number").and_then(|shown| shown.as_str()) {
                Some(shown) => format!("{id} ({shown})"),
                None => id.to_owned(),
            }
        })
        .collect()
}
