//! Redis over TLS (`rediss://`), through the `redis` crate's rustls support: the server's
//! certificate is verified against the system's roots (as `rustls-native-certs` finds them),
//! or, given a CA file (`--redis-ca-file`), against that file's certificates alone, as
//! `redis-cli --cacert` does, for a Redis whose certificate a private CA signed.
//!
//! Verification cannot be turned off: the URL fragment `#insecure`, which the crate reads as
//! "accept any certificate", is refused rather than silently ignored.

use super::InvalidRedisUrl;

/// A CA file that cannot be used (the message names the problem, never the Redis URL).
#[derive(Debug, thiserror::Error)]
#[error("not a usable CA file for Redis: {0}")]
pub struct InvalidRedisCa(String);

/// Refuses a `rediss://` URL that asks for no verification.
pub(super) fn refuse_insecure(redis_url: &str) -> Result<(), InvalidRedisUrl> {
    match url::Url::parse(redis_url) {
        Ok(url) if url.scheme() == "rediss" && url.fragment() == Some("insecure") => Err(InvalidRedisUrl(
            "`#insecure` would accept any certificate; give the CA that signed Redis's certificate (--redis-ca-file) instead"
                .to_owned(),
        )),
        _ => Ok(()),
    }
}

/// The same server as `client`, trusting only the certificates in `ca_pem` (PEM).
pub(super) fn trusting_only(client: &redis::Client, ca_pem: Vec<u8>) -> Result<redis::Client, InvalidRedisCa> {
    // An empty or non-PEM file would make an empty trust store: every connection would fail
    // later, in the log, instead of now, at start.
    if !String::from_utf8_lossy(&ca_pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(InvalidRedisCa("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_owned()));
    }
    if !matches!(client.get_connection_info().addr(), redis::ConnectionAddr::TcpTls { .. }) {
        return Err(InvalidRedisCa("a CA file is for a rediss:// URL (Redis over TLS)".to_owned()));
    }
    let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(ca_pem) };
    redis::Client::build_with_tls(client.get_connection_info().clone(), certificates)
        .map_err(|error| InvalidRedisCa(error.to_string()))
}
