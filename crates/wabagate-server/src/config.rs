//! The server's settings, already resolved (flags, environment and config file are merged
//! by the binary; this crate only consumes the result).

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::clock::SharedClock;
pub use crate::events::destination::DestinationPolicy;
pub use crate::global_limit::{GlobalRateLimit, InvalidRedisCa, InvalidRedisUrl};

/// Everything the server needs to know, with nothing left to look up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address the gateway's own links (connection `url`s) use.
    pub public_url: Url,
    /// The Graph API origin requests are forwarded to (`https://graph.facebook.com`, or the sandbox).
    pub upstream: Url,
    /// Requests per second per account on the gateway; 0 turns the limit off.
    pub rate_limit_per_second: u32,
    /// With `Some`, that limit is kept in Redis and holds for all instances together.
    pub global_rate_limit: Option<GlobalRateLimit>,
    /// How long to wait for the upstream's response headers once the request body has been
    /// sent (bodies stream without a deadline; a stalled upload is `body_progress_timeout`'s).
    pub upstream_timeout: Duration,
    /// Client connections: how long a request head may take to arrive, how long an idle
    /// keep-alive connection is kept, how long a request body may go without progress, and how
    /// many connections are served at once.
    pub connections: ConnectionLimits,
    /// Hosts (`host` or `host:port`) besides the upstream's own that media may be downloaded from.
    pub media_hosts: Vec<String>,
    /// The Graph version the gateway uses for its own upstream calls (media lookups, discovery).
    pub graph_version: String,
    /// How long a media link (the gateway URL a media lookup's `url` is rewritten to) works.
    pub media_link_ttl: Duration,
    /// How long requests in flight may take to finish after shutdown begins.
    pub shutdown_grace: Duration,
    /// The longest a cached API key or connection list is served before the store is asked
    /// again. Only a backstop: changes are noticed through the store's cache revision.
    pub cache_ttl: Duration,
    /// How often the store's cache revision is read: the bound on how late a key revoked or a
    /// connection changed by another process (`wabagate admin`) takes effect.
    pub cache_check_interval: Duration,
    /// The Meta app businesses connect through; `None` leaves the connect flow unavailable.
    pub meta_app: Option<MetaApp>,
    /// How long a connection's connect url stays usable.
    pub connect_session_ttl: Duration,
    /// The origins (`https://app.example.com`, as `Url::origin` serialises them) a
    /// connection's `redirect_url` may point at; empty refuses every `redirect_url`.
    pub connect_redirect_origins: Vec<String>,
    /// How often connections whose token expired are marked EXPIRED.
    pub expiry_check_interval: Duration,
    /// Meta's webhooks: the verify token, the secret being rotated out, the window rule.
    pub webhooks: WebhookConfig,
    /// Where "now" comes from (the sandbox's clock when it is the upstream).
    pub clock: SharedClock,
    /// Which endpoints outbound webhooks may reach (the SSRF guard).
    pub outbound: DestinationPolicy,
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

/// The limits that keep slow, silent and idle client connections from exhausting the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From a connection's start (or the first byte of a keep-alive connection's next request)
    /// to the end of the request head.
    pub header_read_timeout: Duration,
    /// How long a keep-alive connection may wait, idle, for its next request.
    pub keep_alive_timeout: Duration,
    /// How long a request body may go without a single byte arriving.
    pub body_progress_timeout: Duration,
    /// Connections served at once; past it the idle ones are closed first, then new ones refused.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    /// What a reverse proxy in front would use, and a connection cap the open-file limit allows.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(75),
            body_progress_timeout: Duration::from_secs(30),
            max_connections: max_connections_for_open_file_limit(),
        }
    }
}

/// At most 10,000, and few enough that each connection can also hold an upstream connection
/// with some files left for the store, logs and the sandbox.
fn max_connections_for_open_file_limit() -> usize {
    const CEILING: u64 = 10_000;
    const RESERVED_FILES: u64 = 128;
    let (soft_limit, _) = rlimit::Resource::NOFILE.get().unwrap_or((CEILING, CEILING));
    let per_two_files = soft_limit.saturating_sub(RESERVED_FILES) / 2;
    usize::try_from(per_two_files.clamp(1, CEILING)).unwrap_or(1)
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
            global_rate_limit: None,
            upstream_timeout: Duration::from_secs(30),
            connections: ConnectionLimits::default(),
            media_hosts,
            graph_version: "v21.0".to_owned(),
            // As long as Meta's own media URLs last.
            media_link_ttl: Duration::from_secs(5 * 60),
            shutdown_grace: Duration::from_secs(10),
            cache_ttl: Duration::from_secs(10 * 60),
            cache_check_interval: Duration::from_millis(250),
            meta_app: None,
            connect_session_ttl: Duration::from_secs(60 * 60),
            connect_redirect_origins: Vec::new(),
            expiry_check_interval: Duration::from_secs(30),
            webhooks: WebhookConfig::default(),
            clock: SharedClock::default(),
            outbound: DestinationPolicy::default(),
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
