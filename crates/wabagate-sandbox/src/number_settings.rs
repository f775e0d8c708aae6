//! What a business number has configured beyond its profile: two-step PIN, registration
//! code, conversational automation, `settings` (calling, storage, encryption), blocked
//! users, QR codes, commerce settings, the business encryption key and the username. One entry per
//! number, each guarding itself.

use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Meta's cap on a number's block list.
pub const MAX_BLOCKED_USERS: usize = 64_000;
/// A bound on QR codes per number (Meta does not publish one; memory must stay bounded).
pub const MAX_QR_CODES: usize = 1_000;

/// One QR code (`message_qrdls`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QrCode {
    pub code: String,
    pub prefilled_message: String,
}

/// Everything a number has configured; fields Meta defaults are `None` until set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NumberSettings {
    pub pin: Option<String>,
    /// The code `request_code` sent, until `verify_code` consumes it.
    pub pending_code: Option<String>,
    pub conversational_automation: Option<Value>,
    /// The `settings` object as last written (`calling`, `storage_configuration`, …).
    pub settings: Option<Value>,
    /// Blocked customers' `wa_id`s, oldest first.
    pub blocked: Vec<String>,
    pub qr_codes: Vec<QrCode>,
    pub commerce: Option<Value>,
    pub business_public_key: Option<String>,
    /// `webhook_configuration.override_callback_uri` set on the number.
    pub webhook_override: Option<String>,
    /// The business username and its status (`approved`, `reserved`).
    #[serde(default)]
    pub username: Option<Username>,
}

/// A number's business username.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Username {
    pub username: String,
    pub status: String,
}

/// Settings per phone number id.
#[derive(Debug, Default)]
pub struct NumberSettingsStore {
    by_number: DashMap<String, NumberSettings>,
}

impl NumberSettingsStore {
    /// The number's settings (defaults when it has set nothing).
    pub fn get(&self, phone_number_id: &str) -> NumberSettings {
        self.by_number.get(phone_number_id).map(|entry| entry.clone()).unwrap_or_default()
    }

    /// Changes a number's settings under its entry's lock and returns what `change` returns.
    pub fn update<T>(&self, phone_number_id: &str, change: impl FnOnce(&mut NumberSettings) -> T) -> T {
        change(&mut self.by_number.entry(phone_number_id.to_owned()).or_default())
    }

    pub fn snapshot(&self) -> Vec<(String, NumberSettings)> {
        self.by_number.iter().map(|entry| (entry.key().clone(), entry.value().clone())).collect()
    }

    pub fn restore(&self, settings: Vec<(String, NumberSettings)>) {
        for (phone_number_id, number_settings) in settings {
            self.by_number.insert(phone_number_id, number_settings);
        }
    }
}
