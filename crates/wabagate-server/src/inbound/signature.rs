//! `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the exact body bytes keyed with the
//! Meta app secret (meta-oauth-and-webhooks.md §10.1). The body is never re-serialised,
//! since Meta signs its `\uXXXX`-escaped text, and the comparison is `hmac`'s constant-time
//! verify.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a delivery is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No signature header at all (401).
    Missing,
    /// A signature that is malformed or made with another secret (403).
    Invalid,
}

/// Checks `header` (the raw header value) against `body` with each secret in turn.
pub(super) fn check(header: Option<&[u8]>, body: &[u8], secrets: &[&str]) -> Result<(), Refusal> {
    let header = header.ok_or(Refusal::Missing)?;
    let hex_digest = header.strip_prefix(b"sha256=").ok_or(Refusal::Invalid)?;
    let digest = hex::decode(hex_digest).map_err(|_| Refusal::Invalid)?;
    let matches = |secret: &&str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
        mac.update(body);
        mac.verify_slice(&digest).is_ok()
    };
    // Every secret is tried, so timing does not tell which one (if any) matched.
    let matched = secrets.iter().filter(|secret| !secret.is_empty()).fold(false, |any, secret| matches(secret) | any);
    if matched { Ok(()) } else { Err(Refusal::Invalid) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of meta-oauth-and-webhooks.md §15.3, escaped form.
    const BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"201234567890123","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550104477","phone_number_id":"109876543210987"},"contacts":[{"profile":{"name":"Ana Ruiz"},"wa_id":"34600111222"}],"messages":[{"from":"34600111222","id":"wamid.TEST1","timestamp":"1750000000","type":"text","text":{"body":"Ol\u00e1 \ud83d\udc4d"}}]},"field":"messages"}]}]}"#;
    const SIGNATURE: &[u8] = b"sha256=61ea078dcae58c1257d7a33c2aac9eb378aab8aadf38f35af2f5e119fb53e164";

    #[test]
    fn the_reference_vector_verifies_with_the_current_or_the_old_secret() {
        assert_eq!(check(Some(SIGNATURE), BODY.as_bytes(), &["sandbox-app-secret"]), Ok(()));
        assert_eq!(check(Some(SIGNATURE), BODY.as_bytes(), &["new-secret", "sandbox-app-secret"]), Ok(()));
    }

    #[test]
    fn missing_malformed_and_wrong_signatures_are_refused() {
        assert_eq!(check(None, BODY.as_bytes(), &["sandbox-app-secret"]), Err(Refusal::Missing));
        assert_eq!(check(Some(b"sha1=abc"), BODY.as_bytes(), &["sandbox-app-secret"]), Err(Refusal::Invalid));
        assert_eq!(check(Some(b"sha256=zz"), BODY.as_bytes(), &["sandbox-app-secret"]), Err(Refusal::Invalid));
        assert_eq!(check(Some(SIGNATURE), BODY.as_bytes(), &["other"]), Err(Refusal::Invalid));
        assert_eq!(check(Some(SIGNATURE), BODY.as_bytes(), &[]), Err(Refusal::Invalid));
        let unescaped = BODY.replace(r"\u00e1", "á");
        assert_eq!(check(Some(SIGNATURE), unescaped.as_bytes(), &["sandbox-app-secret"]), Err(Refusal::Invalid));
    }
}
