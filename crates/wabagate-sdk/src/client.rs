//! [`Client`]: a base URL, an API key and an optional connection, plus how to reach the
//! gateway's two surfaces (the control API at the root, Graph paths under
//! `/whatsapp-business/{version}/`). The operations live in their own modules as
//! `impl Client` blocks.

use std::time::Duration;

use url::Url;

use crate::api_key::ApiKey;
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::settings::ClientSettings;

/// A client of one wabagate gateway (or of the hosted product it is compatible with).
///
/// Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), wabagate_sdk::Error> {
/// use wabagate_sdk::{Client, Message};
///
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:8080")
///     .api_key("wg_demo_key")
///     .build()?;
/// let message = Message::text("1234567890", "Hello from wabagate!").preview_url(true).build()?;
/// let sent = client.send("PHONE_NUMBER_ID", &message).await?;
/// println!("sent {}", sent.message_id().unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) api_key: ApiKey,
    pub(crate) connection_id: Option<String>,
    pub(crate) graph_version: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) retry_sends: bool,
}

/// Builds a [`Client`]; anything not set comes from [`ClientSettings::default`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    settings: ClientSettings,
    retry: RetryPolicy,
    retry_sends: bool,
    connect_timeout: Duration,
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::from_settings(ClientSettings::default())
    }

    /// A client configured from `WABAGATE_URL`, `WABAGATE_API_KEY` (or `MATON_API_KEY`)
    /// and `WABAGATE_CONNECTION`. Fails with [`Error::Config`] when no key is set.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_settings(ClientSettings::from_env()).build()
    }

    /// The connection sent as `Maton-Connection`, if any.
    pub fn connection_id(&self) -> Option<&str> {
        self.connection_id.as_deref()
    }

    /// The Graph version gateway paths carry (`v21.0` unless set).
    pub fn graph_version(&self) -> &str {
        &self.graph_version
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// `{base}/{segments…}`, each segment percent-encoded, so an id can never add a path level.
    pub(crate) fn control_url(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url.clone();
        {
            let mut path = url.path_segments_mut().expect("an http(s) base URL has a path");
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    /// `{base}/whatsapp-business/{version}/{segments…}`.
    pub(crate) fn graph_url(&self, segments: &[&str]) -> Url {
        let mut all = vec!["whatsapp-business", self.graph_version.as_str()];
        all.extend_from_slice(segments);
        self.control_url(&all)
    }
}

impl ClientBuilder {
    pub fn from_settings(settings: ClientSettings) -> Self {
        Self { settings, retry: RetryPolicy::default(), retry_sends: false, connect_timeout: Duration::from_secs(10) }
    }

    /// The gateway's address, e.g. `http://127.0.0.1:8080` (a path prefix is kept).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.settings.base_url = base_url.into();
        self
    }

    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.settings.api_key = Some(ApiKey::new(api_key));
        self
    }

    /// Send every request over this connection (`Maton-Connection`) instead of the default one.
    pub fn connection_id(mut self, connection_id: impl Into<String>) -> Self {
        self.settings.connection_id = Some(connection_id.into());
        self
    }

    /// The Graph version in gateway paths, e.g. `v21.0`.
    pub fn graph_version(mut self, graph_version: impl Into<String>) -> Self {
        self.settings.graph_version = graph_version.into();
        self
    }

    /// How idempotent calls (and sends, with [`ClientBuilder::retry_sends`]) are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Retry message sends on 429/5xx too. Off by default: a send that timed out on the
    /// way back may have been delivered, and retrying it would deliver it twice.
    pub fn retry_sends(mut self, retry_sends: bool) -> Self {
        self.retry_sends = retry_sends;
        self
    }

    /// Fails with [`Error::Config`] without an API key or with a base URL that is not http(s).
    pub fn build(self) -> Result<Client, Error> {
        let settings = self.settings;
        let api_key = settings.api_key.ok_or_else(|| {
            Error::Config("No API key: set WABAGATE_API_KEY (or MATON_API_KEY), or pass one explicitly.".into())
        })?;
        let base_url = Url::parse(settings.base_url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or_else(|| {
                Error::Config(format!(
                    "The gateway URL {:?} is not an http(s) URL such as http://127.0.0.1:8080.",
                    settings.base_url
                ))
            })?;
        let version = settings.graph_version.trim();
        let version_ok = version
            .strip_prefix('v')
            .is_some_and(|rest| !rest.is_empty() && rest.split('.').all(|part| part.parse::<u16>().is_ok()));
        if !version_ok {
            return Err(Error::Config(format!("The Graph version {version:?} is not of the form v21.0.")));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("wabagate-sdk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|error| Error::Config(format!("The HTTP client could not be built: {error}")))?;
        Ok(Client {
            http,
            base_url,
            api_key,
            connection_id: settings.connection_id.filter(|id| !id.trim().is_empty()),
            graph_version: version.to_owned(),
            retry: self.retry,
            retry_sends: self.retry_sends,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base_url: &str) -> Client {
        Client::builder().base_url(base_url).api_key("k").build().unwrap()
    }

    #[test]
    fn graph_paths_go_under_whatsapp_business_and_the_version() {
        assert_eq!(
            client("http://127.0.0.1:8080").graph_url(&["123", "messages"]).as_str(),
            "http://127.0.0.1:8080/whatsapp-business/v21.0/123/messages"
        );
        assert_eq!(
            client("http://127.0.0.1:8080/prefix/").control_url(&["connections"]).as_str(),
            "http://127.0.0.1:8080/prefix/connections"
        );
    }

    #[test]
    fn ids_cannot_add_path_levels() {
        let url = client("http://127.0.0.1:8080").graph_url(&["../admin", "x"]);
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/whatsapp-business/v21.0/..%2Fadmin/x");
    }

    #[test]
    fn the_graph_version_is_a_setting() {
        let client = Client::builder().api_key("k").graph_version("v22.0").build().unwrap();
        assert_eq!(client.graph_url(&["1"]).path(), "/whatsapp-business/v22.0/1");
        let error = Client::builder().api_key("k").graph_version("21").build().unwrap_err();
        assert!(error.is_local());
    }

    #[test]
    fn a_client_needs_a_key_and_an_http_url() {
        assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
        assert!(matches!(Client::builder().api_key("k").base_url("ftp://x").build(), Err(Error::Config(_))));
        assert!(matches!(Client::builder().api_key("k").base_url("localhost:8080").build(), Err(Error::Config(_))));
    }

    #[test]
    fn the_key_does_not_show_when_the_client_is_printed() {
        let client = Client::builder().api_key("wg_secret_value").build().unwrap();
        assert!(!format!("{client:?}").contains("wg_secret_value"));
    }
}
