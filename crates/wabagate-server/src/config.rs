//! The server's settings, already resolved (flags, environment and config file are merged
//! by the binary; this crate only consumes the result).

use std::time::Duration;

use url::Url;

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
