//! The flags every client command shares (gateway URL, API key, connection, Graph version,
//! `--json`) and turning them into an SDK client, plus the defaults a connection's
//! metadata gives for `--phone-number-id` and `--waba-id`.

use clap::Args;
use wabagate_sdk::{Client, ClientBuilder, ClientSettings, DEFAULT_BASE_URL, DEFAULT_GRAPH_VERSION, RetryPolicy};

use super::failure::{Failure, SdkResultExt};

/// Where the gateway is and who is asking.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Gateway options")]
pub(crate) struct ClientOptions {
    /// The gateway's base URL.
    #[arg(long = "url", global = true, env = "WABAGATE_URL", default_value = DEFAULT_BASE_URL, value_name = "URL")]
    pub(crate) base_url: String,
    /// The API key [env: WABAGATE_API_KEY, then MATON_API_KEY].
    #[arg(long, global = true, value_name = "KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
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

impl ClientOptions {
    /// The SDK client for these options; `retry_sends` lets sends be retried on 429/5xx.
    pub(crate) fn client(&self, retry_sends: bool) -> Result<Client, Failure> {
        // The key flag wins; otherwise WABAGATE_API_KEY, then MATON_API_KEY (read by the SDK).
        let environment = ClientSettings::from_env();
        let settings = ClientSettings {
            base_url: self.base_url.clone(),
            api_key: self.api_key.clone().map(wabagate_sdk::ApiKey::new).or(environment.api_key),
            connection_id: self.connection.clone(),
            graph_version: self.graph_version.clone(),
        };
        ClientBuilder::from_settings(settings)
            .retry_policy(RetryPolicy::default())
            .retry_sends(retry_sends)
            .build()
            .or_fail(self.json)
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
            Some(connection) => format!(
                "connection {} does not have exactly one phone number: pass --phone-number-id",
                connection.connection_id
            ),
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
