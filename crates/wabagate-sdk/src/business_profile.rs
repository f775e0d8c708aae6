//! The business profile of a phone number: `GET` and `POST
//! /{phone_number_id}/whatsapp_business_profile`.

use reqwest::Method;
use serde::Deserialize;
use wabagate_model::business_profile::{BusinessProfileUpdate, PROFILE_FIELDS, Vertical};
use wabagate_model::responses::SuccessResponse;

use crate::client::Client;
pub use wabagate_model::business_profile::BusinessProfile;

use crate::error::Error;
use crate::response::ApiResponse;
use crate::send::require_id;
use crate::transport::Retry;

/// `{"data": [profile]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BusinessProfileAnswer {
    pub data: Vec<BusinessProfile>,
}

/// Changes to a business profile; fields left unset keep their value.
///
/// ```
/// use wabagate_sdk::{ProfileUpdate, Vertical};
///
/// let update = ProfileUpdate::new().about("Your trusted partner").vertical(Vertical::Retail);
/// assert!(update.check().is_ok());
/// let too_long = ProfileUpdate::new().about("a".repeat(140));
/// assert_eq!(too_long.check().unwrap_err().to_string(), "Param about must be at most 139 characters long.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUpdate(BusinessProfileUpdate);

impl Default for ProfileUpdate {
    fn default() -> Self {
        Self::new()
    }
}

impl ProfileUpdate {
    pub fn new() -> Self {
        Self(BusinessProfileUpdate { messaging_product: "whatsapp".into(), ..BusinessProfileUpdate::default() })
    }

    /// 1 to 139 characters.
    pub fn about(mut self, about: impl Into<String>) -> Self {
        self.0.about = Some(about.into());
        self
    }

    /// At most 256 characters.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.0.address = Some(address.into());
        self
    }

    /// At most 512 characters.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.0.description = Some(description.into());
        self
    }

    /// A valid address of at most 128 characters.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.0.email = Some(email.into());
        self
    }

    /// At most two http(s) URLs; replaces the current list.
    pub fn websites(mut self, websites: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.0.websites = Some(websites.into_iter().map(Into::into).collect());
        self
    }

    pub fn vertical(mut self, vertical: Vertical) -> Self {
        self.0.vertical = Some(vertical.as_str().to_owned());
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.0 == Self::new().0
    }

    /// Meta's update rules, checked locally.
    pub fn check(&self) -> Result<(), Error> {
        self.0.validate()?;
        Ok(())
    }

    pub fn as_update(&self) -> &BusinessProfileUpdate {
        &self.0
    }
}

impl Client {
    /// The profile of `phone_number_id`, every field asked for.
    pub async fn business_profile(&self, phone_number_id: &str) -> Result<ApiResponse<BusinessProfileAnswer>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        let mut url = self.graph_url(&[phone_number_id, "whatsapp_business_profile"]);
        let fields: Vec<&str> = PROFILE_FIELDS.iter().copied().filter(|field| *field != "messaging_product").collect();
        url.query_pairs_mut().append_pair("fields", &fields.join(","));
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// Applies `update` after checking it locally.
    pub async fn update_business_profile(
        &self,
        phone_number_id: &str,
        update: &ProfileUpdate,
    ) -> Result<ApiResponse<SuccessResponse>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        update.check()?;
        let url = self.graph_url(&[phone_number_id, "whatsapp_business_profile"]);
        let body = serde_json::to_vec(update.as_update()).expect("a profile update serialises");
        // Setting the same fields twice leaves the same profile, so it is retried like a read.
        self.execute_json(Retry::Idempotent, || {
            self.request(Method::POST, url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }
}
