//! The businesses Meta knows: WhatsApp Business Accounts, their phone numbers and each
//! number's business profile. Fields are Meta's (whatsapp-cloud-api.md §5, §6).

use dashmap::DashMap;
use serde::{Deserialize, Serialize};
/// A number's business profile: Meta's object, defined once in the model.
pub use wabagate_model::business_profile::BusinessProfile;

/// A WhatsApp Business Account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Waba {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub timezone_id: String,
    pub message_template_namespace: String,
    /// Marketing templates refused on the Cloud API (error 131063) while set.
    #[serde(default)]
    pub disable_marketing_messages_on_cloud_api: bool,
}

/// A business phone number registered for the Cloud API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    pub verified_name: String,
    /// The country calling code, digits only (`"1"`): prepended to national numbers.
    pub country_dial_code: String,
    pub country_code: String,
    pub quality_rating: String,
    pub last_onboarded_time: String,
    /// Added to its WABA but not yet registered for the Cloud API (`status: PENDING`).
    #[serde(default)]
    pub pending: bool,
}

impl PhoneNumber {
    /// The number as a `wa_id` (digits only), to recognise a send to itself.
    pub fn wa_id(&self) -> String {
        self.display_phone_number.chars().filter(char::is_ascii_digit).collect()
    }
}

/// Every WABA, phone number and profile, each map guarding itself.
#[derive(Debug, Default)]
pub struct Businesses {
    wabas: DashMap<String, Waba>,
    phone_numbers: DashMap<String, PhoneNumber>,
    profiles: DashMap<String, BusinessProfile>,
    /// Serialises [`Businesses::add_phone_number`], whose checks span the whole map.
    adding: std::sync::Mutex<()>,
}

/// Why a number was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddNumberRejection {
    /// Some WABA already has this number.
    InUse,
    /// The WABA holds as many numbers as it may.
    WabaFull,
}

impl Businesses {
    pub fn insert_waba(&self, waba: Waba) {
        self.wabas.insert(waba.id.clone(), waba);
    }

    pub fn insert_phone_number(&self, phone_number: PhoneNumber) {
        self.phone_numbers.insert(phone_number.id.clone(), phone_number);
    }

    /// Every WABA, in id order.
    pub fn all_wabas(&self) -> Vec<Waba> {
        let mut wabas: Vec<Waba> = self.wabas.iter().map(|entry| entry.clone()).collect();
        wabas.sort_by(|left, right| left.id.cmp(&right.id));
        wabas
    }

    /// Changes a WABA under its entry's lock; `None` if there is none.
    pub fn update_waba<T>(&self, id: &str, change: impl FnOnce(&mut Waba) -> T) -> Option<T> {
        self.wabas.get_mut(id).map(|mut entry| change(&mut entry))
    }

    /// Adds a number to a WABA unless the WABA already holds `limit` numbers or another
    /// WABA holds the same `display_phone_number`; both checks and the insert are one step.
    pub fn add_phone_number(&self, phone_number: PhoneNumber, limit: usize) -> Result<PhoneNumber, AddNumberRejection> {
        let _adding = self.adding.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.phone_numbers.iter().any(|entry| entry.wa_id() == phone_number.wa_id()) {
            return Err(AddNumberRejection::InUse);
        }
        if self.phone_numbers.iter().filter(|entry| entry.waba_id == phone_number.waba_id).count() >= limit {
            return Err(AddNumberRejection::WabaFull);
        }
        self.phone_numbers.insert(phone_number.id.clone(), phone_number.clone());
        Ok(phone_number)
    }

    /// A pending number is registered: it turns `CONNECTED`.
    pub fn mark_registered(&self, phone_number_id: &str) {
        if let Some(mut number) = self.phone_numbers.get_mut(phone_number_id) {
            number.pending = false;
        }
    }

    pub fn waba(&self, id: &str) -> Option<Waba> {
        self.wabas.get(id).map(|entry| entry.clone())
    }

    pub fn phone_number(&self, id: &str) -> Option<PhoneNumber> {
        self.phone_numbers.get(id).map(|entry| entry.clone())
    }

    /// The numbers of a WABA, in id order.
    pub fn phone_numbers_of(&self, waba_id: &str) -> Vec<PhoneNumber> {
        let mut numbers: Vec<PhoneNumber> =
            self.phone_numbers.iter().filter(|entry| entry.waba_id == waba_id).map(|entry| entry.clone()).collect();
        numbers.sort_by(|left, right| left.id.cmp(&right.id));
        numbers
    }

    pub fn profile(&self, phone_number_id: &str) -> BusinessProfile {
        self.profiles.get(phone_number_id).map(|entry| entry.clone()).unwrap_or_default()
    }

    pub fn update_profile(&self, phone_number_id: &str, update: impl FnOnce(&mut BusinessProfile)) {
        update(&mut self.profiles.entry(phone_number_id.to_owned()).or_default());
    }

    pub fn snapshot_profiles(&self) -> Vec<(String, BusinessProfile)> {
        self.profiles.iter().map(|entry| (entry.key().clone(), entry.value().clone())).collect()
    }
}
