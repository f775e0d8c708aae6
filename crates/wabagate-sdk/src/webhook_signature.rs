//! Standard Webhooks signatures, as the gateway signs its deliveries and `listen
//! --forward-to` signs what it forwards: `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`, on the
//! `standardwebhooks` crate. A secret never shows in `Debug`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use reqwest::header::HeaderMap;
use standardwebhooks::Webhook;

use crate::error::Error;

/// The prefix Standard Webhooks secrets carry.
const SECRET_PREFIX: &str = "whsec_";

/// A signing secret, `whsec_` + base64 of its key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

/// The three headers of one signed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub id: String,
    /// Unix seconds.
    pub timestamp: i64,
    /// `v1,<base64>`.
    pub signature: String,
}

/// Why a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the delivery does not verify: {0}")]
pub struct SignatureError(String);

impl WebhookSecret {
    /// A new secret of 32 random bytes, as the gateway makes for a subscription.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
    }

    /// A `whsec_…` secret as the gateway showed it. Fails with [`Error::Config`] (without
    /// repeating the text) when it is not one.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let key = text.strip_prefix(SECRET_PREFIX).and_then(|key| STANDARD.decode(key).ok());
        match key {
            Some(key) if !key.is_empty() => Ok(Self(text.to_owned())),
            _ => Err(Error::Config("the webhook secret is not of the form whsec_<base64>".into())),
        }
    }

    /// The secret's text, for showing it to its owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Signs `body` as event `id` sent at `timestamp` (Unix seconds).
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> SignedHeaders {
        let signature =
            self.webhook().sign(id, timestamp, body.as_bytes()).expect("a parsed secret and a UTF-8 body always sign");
        SignedHeaders { id: id.to_owned(), timestamp, signature }
    }

    /// Checks a delivery's headers against its exact body: one of the `v1` signatures is
    /// this secret's, and the timestamp is within five minutes of now.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
        self.webhook().verify(body, headers).map_err(|error| SignatureError(error.to_string()))
    }

    fn webhook(&self) -> Webhook {
        Webhook::new(&self.0).expect("a parsed secret is base64")
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(signed: &SignedHeaders) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_str(&signed.id).unwrap());
        headers.insert("webhook-timestamp", HeaderValue::from(signed.timestamp));
        headers.insert("webhook-signature", HeaderValue::from_str(&signed.signature).unwrap());
        headers
    }

    fn now() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
    }

    #[test]
    fn signatures_follow_the_specification() {
        // The specification's own example.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signed = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(signed.signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not() {
        let secret = WebhookSecret::generate();
        let signed = secret.sign("evt_1", now(), r#"{"type":"webhook.test"}"#);
        assert_eq!(secret.verify(&headers(&signed), br#"{"type":"webhook.test"}"#), Ok(()));
        assert!(secret.verify(&headers(&signed), br#"{"type":"webhook.tesT"}"#).is_err());
        assert!(WebhookSecret::generate().verify(&headers(&signed), br#"{"type":"webhook.test"}"#).is_err());
    }

    #[test]
    fn new_secrets_are_32_random_bytes_and_hidden_in_debug() {
        let secret = WebhookSecret::generate();
        let key = STANDARD.decode(secret.expose().strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(key.len(), 32);
        assert_ne!(secret, WebhookSecret::generate());
        assert_eq!(format!("{secret:?}"), "WebhookSecret(***)");
        assert!(WebhookSecret::parse("not-a-secret").is_err());
        assert!(!WebhookSecret::parse("whsec_!!").unwrap_err().to_string().contains("!!"));
    }
}
