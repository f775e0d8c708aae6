//! `X-Hub-Signature-256`: `sha256=` and the lowercase hex HMAC-SHA256 of the exact body
//! bytes, keyed with the receiving app's secret (meta-oauth-and-webhooks.md §10.1).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header Meta signs deliveries with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The header value for `body` signed with `app_secret`.
pub fn signature_header_value(app_secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of meta-oauth-and-webhooks.md §15.3.
    #[test]
    fn signs_the_reference_vector() {
        let escaped = r#"{"object":"whatsapp_business_account","entry":[{"id":"201234567890123","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550104477","phone_number_id":"109876543210987"},"contacts":[{"profile":{"name":"Ana Ruiz"},"wa_id":"34600111222"}],"messages":[{"from":"34600111222","id":"wamid.TEST1","timestamp":"1750000000","type":"text","text":{"body":"Ol\u00e1 \ud83d\udc4d"}}]},"field":"messages"}]}]}"#;
        assert_eq!(escaped.len(), 434);
        assert_eq!(
            signature_header_value("sandbox-app-secret", escaped.as_bytes()),
            "sha256=61ea078dcae58c1257d7a33c2aac9eb378aab8aadf38f35af2f5e119fb53e164"
        );
        let raw = escaped.replace(r"\u00e1", "á").replace(r"\ud83d\udc4d", "👍");
        assert_eq!(raw.len(), 422);
        assert_eq!(
            signature_header_value("sandbox-app-secret", raw.as_bytes()),
            "sha256=6e3da9f1898869b73e41c303529efe7295997530812fd6c83aa02e110d24d53a"
        );
    }
}
