//! The server's settings, already resolved (flags, environment and config file are merged
//! by the binary; this crate only consumes the result).

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::clock::SharedClock;

/// Everything the server needs to know, with nothing left to look up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address the gateway's own links (connection `url`s) use.
    pub public_url: Url,
    /// The Graph API origin requests are forwarded to (`https://graph.facebook.com`, or the sandbox).
    pub upstream: Url,
    /// Requests per second per account on the gateway; 0 turns the limit off.
    pub rate_limit_per_second: u32,
    /// How long to wait for the upstream's response headers (bodies stream without a deadline).
    pub upstream_timeout: Duration,
    /// Hosts (`host` or `host:port`) besides the upstream's own that media may be downloaded from.
    pub media_hosts: Vec<String>,
    /// The Graph version the gateway uses for its own upstream calls (media lookups, discovery).
    pub graph_version: String,
    /// How long requests in flight may take to finish after shutdown begins.
    pub shutdown_grace: Duration,
    /// How long a cached API key or connection list may be served before the store is asked
    /// again: the bound on how late a revocation made by another process takes effect.
    pub cache_ttl: Duration,
    /// The Meta app businesses connect through; `None` leaves the connect flow unavailable.
    pub meta_app: Option<MetaApp>,
    /// How long a connection's connect url stays usable.
    pub connect_session_ttl: Duration,
    /// How often connections whose token expired are marked EXPIRED.
    pub expiry_check_interval: Duration,
    /// Meta's webhooks: the verify token, the secret being rotated out, the window rule.
    pub webhooks: WebhookConfig,
    /// Where "now" comes from (the sandbox's clock when it is the upstream).
    pub clock: SharedClock,
}

/// How `/meta/webhooks` checks Meta and what the ledger enforces.
#[derive(Clone, Default)]
pub struct WebhookConfig {
    /// The token Meta's verification handshake must present; `None` refuses every handshake.
    pub verify_token: Option<String>,
    /// A previous app secret whose signatures are still accepted while rotating. The current
    /// one is the Meta app's (`meta_app.app_secret`).
    pub old_app_secret: Option<String>,
    /// Refuse free-form sends into a closed service window instead of forwarding them with
    /// a warning.
    pub enforce_service_window: bool,
    /// Where inbound media is cached on arrival; `None` turns the cache off.
    pub media_cache_dir: Option<std::path::PathBuf>,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("verify_token", &self.verify_token.as_ref().map(|_| "***"))
            .field("old_app_secret", &self.old_app_secret.as_ref().map(|_| "***"))
            .field("enforce_service_window", &self.enforce_service_window)
            .field("media_cache_dir", &self.media_cache_dir)
            .finish()
    }
}

/// The Meta app of the connect flow (App Dashboard → App settings).
#[derive(Clone)]
pub struct MetaApp {
    pub app_id: String,
    pub app_secret: String,
    /// A Facebook Login for Business configuration (Embedded Signup); without it the dialog
    /// asks for the WhatsApp scopes directly.
    pub config_id: Option<String>,
    /// Where the OAuth dialog lives: `https://www.facebook.com`, or the sandbox.
    pub oauth_base: Url,
}

impl fmt::Debug for MetaApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaApp")
            .field("app_id", &self.app_id)
            .field("app_secret", &"***")
            .field("config_id", &self.config_id)
            .field("oauth_base", &self.oauth_base.as_str())
            .finish()
    }
}

impl ServerConfig {
    /// Settings for an upstream and a public URL, everything else at its default.
    pub fn new(public_url: Url, upstream: Url) -> Self {
        let media_hosts = default_media_hosts(&upstream);
        Self {
            public_url,
            upstream,
            rate_limit_per_second: 10,
            upstream_timeout: Duration::from_secs(30),
            media_hosts,
            graph_version: "v21.0".to_owned(),
            shutdown_grace: Duration::from_secs(10),
            cache_ttl: Duration::from_millis(900),
            meta_app: None,
            connect_session_ttl: Duration::from_secs(60 * 60),
            expiry_check_interval: Duration::from_secs(30),
            webhooks: WebhookConfig::default(),
            clock: SharedClock::default(),
        }
    }
}

/// Meta serves media of graph.facebook.com from its lookaside CDN host.
fn default_media_hosts(upstream: &Url) -> Vec<String> {
    match upstream.host_str() {
        Some("graph.facebook.com") => vec!["lookaside.fbsbx.com".to_owned()],
        _ => Vec::new(),
    }
}
