//! A WhatsApp Business Account's phone numbers: `GET /{phone_number_id}` and
//! `GET /{waba_id}/phone_numbers`.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Error;
use crate::paging::follow_pages;
use crate::response::{ApiResponse, Paged};
use crate::send::require_id;
use crate::transport::Retry;

/// A business phone number as Graph describes it; fields Graph leaves out are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_rating: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verification_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<serde_json::Value>,
}

impl Client {
    /// One phone number.
    pub async fn phone_number(&self, phone_number_id: &str) -> Result<ApiResponse<PhoneNumber>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        let url = self.graph_url(&[phone_number_id]);
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// Every phone number of a WABA, all pages followed.
    pub async fn phone_numbers(&self, waba_id: &str) -> Result<Paged<PhoneNumber>, Error> {
        require_id("waba_id", waba_id)?;
        let url = self.graph_url(&[waba_id, "phone_numbers"]);
        follow_pages(self, url, None).await
    }
}
