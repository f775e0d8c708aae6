//! The header policy of the proxy, in one place.
//!
//! Towards the upstream: drop hop-by-hop headers (RFC 9110 §7.6.1: `Connection` and the
//! headers it names, `Keep-Alive`, `Transfer-Encoding`, `TE`, `Trailer`, `Upgrade`,
//! `Proxy-*`), drop `Host` (the upstream's own is set from its URL), the caller's
//! `Authorization` and `Maton-Connection` (they are ours, not Meta's), and `Expect` (the
//! 100-continue handshake was already done with the caller); then set `Authorization` to
//! the connection's token. Everything else passes unchanged.
//! Towards the caller: drop the hop-by-hop headers; everything else passes unchanged.

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};

pub(crate) static MATON_CONNECTION: HeaderName = HeaderName::from_static("maton-connection");

/// Names built once: removing by `&str` would parse each name again on every request.
static HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHORIZATION,
];

/// Rewrites the caller's headers into the upstream request's.
pub(crate) fn to_upstream(headers: &mut HeaderMap, bearer: HeaderValue) {
    strip_hop_by_hop(headers);
    for name in [&header::HOST, &header::EXPECT, &MATON_CONNECTION] {
        headers.remove(name);
    }
    // `insert` replaces every `Authorization` the caller sent.
    headers.insert(header::AUTHORIZATION, bearer);
}

/// Rewrites the upstream's response headers into the caller's.
pub(crate) fn to_caller(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    headers.remove(header::PROXY_AUTHENTICATE);
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Keep-alive HTTP/1.1 rarely sends `Connection`; only then is there a list to read.
    if headers.contains_key(header::CONNECTION) {
        let named_by_connection: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|name| HeaderName::try_from(name.trim()).ok())
            .collect();
        for name in named_by_connection {
            headers.remove(name);
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_sees_the_token_and_none_of_the_callers_credentials() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer wbg_key"));
        headers.insert(&MATON_CONNECTION, HeaderValue::from_static("21fd90f9-5935-43cd-b6c8-bde9d915ca80"));
        headers.insert(header::HOST, HeaderValue::from_static("gateway.example"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-secret-hop"));
        headers.insert("x-secret-hop", HeaderValue::from_static("1"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        to_upstream(&mut headers, HeaderValue::from_static("Bearer EAAGtoken"));
        assert_eq!(headers.get(header::AUTHORIZATION).unwrap(), "Bearer EAAGtoken");
        assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), "application/json");
        for gone in ["maton-connection", "host", "connection", "x-secret-hop"] {
            assert!(!headers.contains_key(gone), "{gone} should be dropped");
        }
    }
}
