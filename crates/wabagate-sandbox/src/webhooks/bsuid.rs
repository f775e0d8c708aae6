//! Business-scoped user ids (BSUIDs): Meta's per-business identifier of a WhatsApp user,
//! carried in webhooks beside (and, for users with a username, instead of) the phone
//! number: `contacts[].user_id` on inbound messages, `contacts[].user_id` and
//! `statuses[].recipient_user_id` on statuses. The form is Meta's: the user's two-letter
//! country, a dot, and digits (`US.13491208655302741918`). The sandbox derives it from the
//! business and the wa_id, so one customer keeps one BSUID per business and differs
//! between businesses, as Meta's do.

use sha2::{Digest, Sha256};

/// The BSUID of the WhatsApp user `wa_id` as the business `scope` (its WABA) sees them.
pub fn business_scoped_user_id(scope: &str, wa_id: &str) -> String {
    let digest = Sha256::digest(format!("{scope}\n{wa_id}").as_bytes());
    let mut number = [0u8; 8];
    number.copy_from_slice(&digest[..8]);
    format!("{}.{}", country_of(wa_id), u64::from_be_bytes(number))
}

/// The ISO country of a wa_id's calling code, for the codes the sandbox's customers use;
/// others count as US, as the sandbox's demo numbers are.
fn country_of(wa_id: &str) -> &'static str {
    const CODES: [(&str, &str); 10] = [
        ("44", "GB"),
        ("49", "DE"),
        ("33", "FR"),
        ("34", "ES"),
        ("39", "IT"),
        ("52", "MX"),
        ("55", "BR"),
        ("61", "AU"),
        ("91", "IN"),
        ("62", "ID"),
    ];
    CODES.iter().find(|(code, _)| wa_id.starts_with(code)).map_or("US", |(_, country)| country)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_user_keeps_one_id_per_business_and_differs_between_businesses() {
        let id = business_scoped_user_id("102290129340398", "1234567890");
        assert_eq!(id, business_scoped_user_id("102290129340398", "1234567890"));
        assert_ne!(id, business_scoped_user_id("999", "1234567890"));
        let (country, digits) = id.split_once('.').unwrap();
        assert_eq!(country, "US");
        assert!(!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()));
        assert!(business_scoped_user_id("1", "919876543210").starts_with("IN."));
    }
}
