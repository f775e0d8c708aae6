//! The WhatsApp business profile of a phone number and Meta's rules for updating it
//! (whatsapp-cloud-api.md §6.2).

mod vertical;

use serde::{Deserialize, Serialize};

use crate::limits::*;
use crate::message::is_http_url;
use crate::violation::{Field, ValidationError, Violation, check_count, check_max_chars, check_optional_text};

pub use vertical::Vertical;

/// The industries a business may choose (`vertical`).
pub const VERTICALS: &[&str] = &[
    "ALCOHOL",
    "APPAREL",
    "AUTO",
    "BEAUTY",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GOVT",
    "GROCERY",
    "HEALTH",
    "HOTEL",
    "NONPROFIT",
    "ONLINE_GAMBLING",
    "OTC_DRUGS",
    "OTHER",
    "PHYSICAL_GAMBLING",
    "PROF_SERVICES",
    "RESTAURANT",
    "RETAIL",
    "TRAVEL",
];

/// The profile fields `fields=` may name on `GET …/whatsapp_business_profile`.
pub const PROFILE_FIELDS: &[&str] =
    &["about", "address", "description", "email", "profile_picture_url", "websites", "vertical", "messaging_product"];

/// A number's WhatsApp business profile, as `GET /{phone_number_id}/whatsapp_business_profile`
/// returns it (inside `data`); unset texts are omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websites: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<String>,
}

impl BusinessProfile {
    /// The value of one profile field (`None` when unset; `vertical` reads `UNDEFINED` then).
    pub fn field(&self, name: &str) -> Option<serde_json::Value> {
        match name {
            "about" => self.about.as_ref().map(|value| serde_json::json!(value)),
            "address" => self.address.as_ref().map(|value| serde_json::json!(value)),
            "description" => self.description.as_ref().map(|value| serde_json::json!(value)),
            "email" => self.email.as_ref().map(|value| serde_json::json!(value)),
            "profile_picture_url" => self.profile_picture_url.as_ref().map(|value| serde_json::json!(value)),
            "websites" => (!self.websites.is_empty()).then(|| serde_json::json!(self.websites)),
            "vertical" => Some(serde_json::json!(
                self.vertical.as_deref().filter(|vertical| !vertical.is_empty()).unwrap_or("UNDEFINED")
            )),
            "messaging_product" => Some(serde_json::json!("whatsapp")),
            _ => None,
        }
    }

    /// Applies an update; absent fields stay, empty strings clear.
    pub fn apply(&mut self, update: BusinessProfileUpdate) {
        let clear_empty = |value: String| (!value.is_empty()).then_some(value);
        if let Some(about) = update.about {
            self.about = Some(about);
        }
        if let Some(address) = update.address {
            self.address = clear_empty(address);
        }
        if let Some(description) = update.description {
            self.description = clear_empty(description);
        }
        if let Some(email) = update.email {
            self.email = clear_empty(email);
        }
        if let Some(websites) = update.websites {
            self.websites = websites;
        }
        if let Some(vertical) = update.vertical {
            self.vertical = clear_empty(vertical);
        }
    }
}

/// The body of `POST /{phone_number_id}/whatsapp_business_profile`: every field optional,
/// an absent field is left as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessProfileUpdate {
    pub messaging_product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websites: Option<Vec<String>>,
    /// One of [`VERTICALS`], or empty to clear it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<String>,
    /// A handle from the Resumable Upload API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_handle: Option<String>,
}

impl BusinessProfileUpdate {
    /// Reads an update body; errors name the field.
    pub fn from_json(value: serde_json::Value) -> Result<Self, ValidationError> {
        crate::message::parse_part(&Field::top(), value)
    }

    /// `messaging_product` is `whatsapp`; about 1–139, address ≤256, description ≤512,
    /// email valid and ≤128, at most 2 websites of ≤256 characters starting with http(s)://,
    /// vertical empty or one of [`VERTICALS`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.messaging_product != "whatsapp" {
            let value = self.messaging_product.clone();
            return Err(Field::root("messaging_product").error(Violation::NotAllowed { value }));
        }
        if let Some(about) = &self.about {
            if about.trim().is_empty() {
                return Err(Field::root("about").error(Violation::Empty));
            }
            check_max_chars(&Field::root("about"), about, PROFILE_ABOUT_MAX)?;
        }
        check_optional_text(&Field::root("address"), self.address.as_deref(), PROFILE_ADDRESS_MAX)?;
        check_optional_text(&Field::root("description"), self.description.as_deref(), PROFILE_DESCRIPTION_MAX)?;
        if let Some(email) = &self.email {
            let field = Field::root("email");
            check_max_chars(&field, email, PROFILE_EMAIL_MAX)?;
            if !email.is_empty() && !looks_like_email(email) {
                return Err(field.error(Violation::Malformed { expected: "a valid email address" }));
            }
        }
        if let Some(websites) = &self.websites {
            let field = Field::root("websites");
            check_count(&field, websites.len(), 0, PROFILE_WEBSITES_MAX)?;
            for (index, website) in websites.iter().enumerate() {
                check_max_chars(&field.index(index), website, PROFILE_WEBSITE_MAX)?;
                if !is_http_url(website) {
                    return Err(field
                        .index(index)
                        .error(Violation::Malformed { expected: "a URL starting with http:// or https://" }));
                }
            }
        }
        match self.vertical.as_deref() {
            None | Some("") => Ok(()),
            Some(vertical) if VERTICALS.contains(&vertical) => Ok(()),
            Some(vertical) => Err(Field::root("vertical").error(Violation::NotAllowed { value: vertical.to_owned() })),
        }
    }
}

fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update() -> BusinessProfileUpdate {
        BusinessProfileUpdate {
            messaging_product: "whatsapp".into(),
            about: Some("Your trusted partner".into()),
            address: Some("123 Business Street".into()),
            description: Some("We provide quality services".into()),
            email: Some("contact@example.com".into()),
            websites: Some(vec!["https://example.com".into()]),
            vertical: Some("RETAIL".into()),
            profile_picture_handle: None,
        }
    }

    #[test]
    fn the_hosted_products_update_example_is_valid() {
        assert_eq!(update().validate(), Ok(()));
    }

    #[test]
    fn about_must_be_1_to_139_characters() {
        let error = BusinessProfileUpdate { about: Some(String::new()), ..update() }.validate().unwrap_err();
        assert_eq!(error.violation, Violation::Empty);
        let error = BusinessProfileUpdate { about: Some("a".repeat(140)), ..update() }.validate().unwrap_err();
        assert_eq!(error.violation, Violation::TooLong { max: 139, actual: 140 });
    }

    #[test]
    fn address_description_and_email_have_length_limits() {
        let error = BusinessProfileUpdate { address: Some("a".repeat(257)), ..update() }.validate().unwrap_err();
        assert_eq!(error.field, "address");
        let error = BusinessProfileUpdate { description: Some("d".repeat(513)), ..update() }.validate().unwrap_err();
        assert_eq!(error.violation, Violation::TooLong { max: 512, actual: 513 });
        let long_email = format!("{}@example.com", "e".repeat(120));
        assert_eq!(
            BusinessProfileUpdate { email: Some(long_email), ..update() }.validate().unwrap_err().field,
            "email"
        );
        let error = BusinessProfileUpdate { email: Some("not-an-email".into()), ..update() }.validate().unwrap_err();
        assert!(matches!(error.violation, Violation::Malformed { .. }));
    }

    #[test]
    fn at_most_two_websites_starting_with_http() {
        let three = vec!["https://a.example".into(), "https://b.example".into(), "https://c.example".into()];
        let error = BusinessProfileUpdate { websites: Some(three), ..update() }.validate().unwrap_err();
        assert_eq!(error.violation, Violation::TooMany { max: 2, actual: 3 });
        let error =
            BusinessProfileUpdate { websites: Some(vec!["example.com".into()]), ..update() }.validate().unwrap_err();
        assert_eq!(error.field, "websites[0]");
    }

    #[test]
    fn the_vertical_is_empty_or_one_of_metas_industries() {
        assert_eq!(BusinessProfileUpdate { vertical: Some(String::new()), ..update() }.validate(), Ok(()));
        let error = BusinessProfileUpdate { vertical: Some("SPACESHIPS".into()), ..update() }.validate().unwrap_err();
        assert_eq!(error.violation, Violation::NotAllowed { value: "SPACESHIPS".into() });
    }

    #[test]
    fn messaging_product_must_be_whatsapp() {
        let error = BusinessProfileUpdate { messaging_product: "sms".into(), ..update() }.validate().unwrap_err();
        assert_eq!(error.field, "messaging_product");
    }
}
