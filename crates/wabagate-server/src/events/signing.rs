//! Signing deliveries per the Standard Webhooks specification, with the `standardwebhooks`
//! crate: `webhook-id` (the event id, the same across retries and replays),
//! `webhook-timestamp`, and `webhook-signature: v1,<base64 HMAC-SHA256(secret,
//! "{id}.{timestamp}.{body}")>`, one signature per live secret, space-separated, while a
//! rotation lasts. Secrets are `whsec_` and the base64 of 32 random bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue};
use wabagate_store::AccessToken;

/// A new signing secret, shown to its owner once.
pub(crate) fn new_secret() -> AccessToken {
    AccessToken::new(format!("whsec_{}", STANDARD.encode(rand::random::<[u8; 32]>())))
}

/// The three headers of a delivery, signed with every secret in `secrets`.
pub(crate) fn headers(
    secrets: &[&AccessToken],
    event_id: &str,
    timestamp_unix: i64,
    body: &[u8],
) -> Result<HeaderMap, SigningError> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let webhook = standardwebhooks::Webhook::new(secret.expose()).map_err(|_| SigningError)?;
        signatures.push(webhook.sign(event_id, timestamp_unix, body).map_err(|_| SigningError)?);
    }
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_str(event_id).map_err(|_| SigningError)?);
    headers.insert("webhook-timestamp", HeaderValue::from(timestamp_unix));
    headers.insert("webhook-signature", HeaderValue::from_str(&signatures.join(" ")).map_err(|_| SigningError)?);
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(headers)
}

/// A stored secret that is not a Standard Webhooks secret (never made by this gateway).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the subscription's signing secret is malformed")]
pub(crate) struct SigningError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_with_either_secret_of_a_rotation() {
        let (old, new) = (new_secret(), new_secret());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signed = headers(&[&new, &old], "evt_1", now, b"{}").unwrap();
        let signature = signed["webhook-signature"].to_str().unwrap();
        assert_eq!(signature.split(' ').count(), 2);
        for secret in [&old, &new] {
            standardwebhooks::Webhook::new(secret.expose()).unwrap().verify(b"{}", &signed).unwrap();
        }
        assert!(standardwebhooks::Webhook::new(new_secret().expose()).unwrap().verify(b"{}", &signed).is_err());
    }
}
