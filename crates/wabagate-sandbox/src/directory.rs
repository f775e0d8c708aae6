//! The seam through which the Meta side (OAuth dialog, `debug_token`, `subscribed_apps`,
//! webhooks) reads which WABAs, business numbers and customers exist, without owning the
//! business state. The Graph side's [`Businesses`] implements it.

use std::fmt;

use crate::business::{Businesses, PhoneNumber};
use crate::seed::{DEMO_BUSINESS_ID, DEMO_CUSTOMERS};

/// A WhatsApp Business Account as the OAuth dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WabaRef {
    pub id: String,
    pub name: String,
    /// The business portfolio that owns the WABA (Embedded Signup reports it).
    pub business_id: String,
}

/// A business phone number as webhooks name it in `value.metadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumberRef {
    pub id: String,
    pub waba_id: String,
    /// As configured, e.g. `+1 555-010-0001`; webhook payloads reduce it to digits.
    pub display_phone_number: String,
}

/// Read-only questions the Meta side asks about the business state. Implementations must
/// answer quickly and without blocking: handlers and the webhook deliverer call them inline.
pub trait Directory: Send + Sync + fmt::Debug {
    /// Every WABA a user may pick in the OAuth dialog, in display order.
    fn wabas(&self) -> Vec<WabaRef>;

    /// Whether a WABA with this id exists.
    fn waba_exists(&self, waba_id: &str) -> bool {
        self.wabas().iter().any(|waba| waba.id == waba_id)
    }

    /// The business numbers of a WABA, in display order (empty for an unknown WABA).
    fn phone_numbers_of(&self, waba_id: &str) -> Vec<PhoneNumberRef>;

    /// A business number by its phone number id.
    fn phone_number(&self, phone_number_id: &str) -> Option<PhoneNumberRef>;

    /// The WhatsApp profile name of a customer, when the sandbox knows one.
    fn customer_profile_name(&self, wa_id: &str) -> Option<String>;
}

/// The Graph side's business state is the directory: what the OAuth dialog offers and
/// webhooks name is exactly what the Graph API serves.
impl Directory for Businesses {
    fn wabas(&self) -> Vec<WabaRef> {
        self.all_wabas()
            .into_iter()
            // Every WABA the sandbox seeds belongs to the demo business portfolio.
            .map(|waba| WabaRef { id: waba.id, name: waba.name, business_id: DEMO_BUSINESS_ID.into() })
            .collect()
    }

    fn waba_exists(&self, waba_id: &str) -> bool {
        self.waba(waba_id).is_some()
    }

    fn phone_numbers_of(&self, waba_id: &str) -> Vec<PhoneNumberRef> {
        Businesses::phone_numbers_of(self, waba_id).into_iter().map(PhoneNumberRef::from).collect()
    }

    fn phone_number(&self, phone_number_id: &str) -> Option<PhoneNumberRef> {
        Businesses::phone_number(self, phone_number_id).map(PhoneNumberRef::from)
    }

    fn customer_profile_name(&self, wa_id: &str) -> Option<String> {
        DEMO_CUSTOMERS.iter().find(|(id, _)| *id == wa_id).map(|(_, name)| (*name).into())
    }
}

impl From<PhoneNumber> for PhoneNumberRef {
    fn from(number: PhoneNumber) -> Self {
        Self { id: number.id, waba_id: number.waba_id, display_phone_number: number.display_phone_number }
    }
}
