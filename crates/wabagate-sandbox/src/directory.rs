//! The seam through which the Meta side (OAuth dialog, `debug_token`, `subscribed_apps`,
//! webhooks) reads which WABAs, business numbers and customers exist, without owning the
//! business state. [`SeedDirectory`] answers from the fixed demo ids in [`crate::seed`];
//! the Graph side's business state implements [`Directory`] once it exists.

use std::fmt;

use crate::seed::{DEMO_BUSINESS_ID, DEMO_CUSTOMERS, DEMO_PHONE_NUMBERS, DEMO_WABA_ID};

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

/// The demo business of [`crate::seed`]: one WABA, two numbers, a few named customers.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeedDirectory;

impl Directory for SeedDirectory {
    fn wabas(&self) -> Vec<WabaRef> {
        vec![WabaRef { id: DEMO_WABA_ID.into(), name: "Wabagate Demo".into(), business_id: DEMO_BUSINESS_ID.into() }]
    }

    fn phone_numbers_of(&self, waba_id: &str) -> Vec<PhoneNumberRef> {
        if waba_id != DEMO_WABA_ID {
            return Vec::new();
        }
        DEMO_PHONE_NUMBERS
            .iter()
            .map(|(id, display, _)| PhoneNumberRef {
                id: (*id).into(),
                waba_id: DEMO_WABA_ID.into(),
                display_phone_number: (*display).into(),
            })
            .collect()
    }

    fn phone_number(&self, phone_number_id: &str) -> Option<PhoneNumberRef> {
        self.phone_numbers_of(DEMO_WABA_ID).into_iter().find(|number| number.id == phone_number_id)
    }

    fn customer_profile_name(&self, wa_id: &str) -> Option<String> {
        DEMO_CUSTOMERS.iter().find(|(id, _)| *id == wa_id).map(|(_, name)| (*name).into())
    }
}
