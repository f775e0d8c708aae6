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

const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
];

/// Rewrites the caller's headers into the upstream request's.
pub(crate) fn to_upstream(headers: &mut HeaderMap, bearer: HeaderValue) {
    strip_hop_by_hop(headers);
    for name in [header::HOST, header::AUTHORIZATION, header::EXPECT, MATON_CONNECTION.clone()] {
        headers.remove(name);
    }
    headers.insert(header::AUTHORIZATION, bearer);
}

/// Rewrites the upstream's response headers into the caller's.
pub(crate) fn to_caller(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    headers.remove(header::PROXY_AUTHENTICATE);
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
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
    for name in HOP_BY_HOP {
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
