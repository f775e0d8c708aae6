//! The verification handshake Meta runs before it accepts a callback URL:
//! `GET {url}?hub.mode=subscribe&hub.challenge=<random>&hub.verify_token=<token>`, passed
//! only by HTTP 200 with the challenge as the whole body (meta-oauth-and-webhooks.md §9).

use std::time::Duration;

use rand::Rng;
use url::Url;

/// Meta publishes no timeout for the handshake; a few seconds is what it appears to allow.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a callback URL failed verification, worded like Meta's `(#2200)` details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("URL couldn't be validated: {0}")]
    InvalidUrl(String),
    #[error("Couldn't connect to server: {0}")]
    Unreachable(String),
    #[error("HTTP Status Code = {0}")]
    Status(u16),
    #[error("The callback did not echo the challenge (expected {expected:?}, got {received:?})")]
    WrongChallenge { expected: String, received: String },
}

/// Runs the handshake against `callback_url` with a fresh challenge.
pub async fn verify_callback(
    client: &reqwest::Client,
    callback_url: &str,
    verify_token: &str,
) -> Result<(), HandshakeError> {
    let mut url = Url::parse(callback_url).map_err(|error| HandshakeError::InvalidUrl(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HandshakeError::InvalidUrl(format!("unsupported scheme {}", url.scheme())));
    }
    let challenge = rand::thread_rng().gen_range(1_000_000_000_u64..10_000_000_000).to_string();
    url.query_pairs_mut()
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.challenge", &challenge)
        .append_pair("hub.verify_token", verify_token);
    let response = client
        .get(url)
        .timeout(HANDSHAKE_TIMEOUT)
        .send()
        .await
        .map_err(|error| HandshakeError::Unreachable(error.to_string()))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(HandshakeError::Status(status.as_u16()));
    }
    let received = response.text().await.map_err(|error| HandshakeError::Unreachable(error.to_string()))?;
    if received != challenge {
        return Err(HandshakeError::WrongChallenge { expected: challenge, received });
    }
    Ok(())
}
