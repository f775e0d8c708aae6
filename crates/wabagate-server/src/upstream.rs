//! The one pooled keep-alive HTTP client to the upstream (Meta's Graph API or the sandbox),
//! shared by every proxied request. Built on hyper directly so a proxied request costs no
//! more than building its head: bodies pass through as streams in both directions.

use std::time::Duration;

use axum::body::Body;
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub(crate) type UpstreamClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Body>;

pub(crate) fn build_client() -> UpstreamClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(5)));
    let https = HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().wrap_connector(http);
    Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(https)
}
