//! The demo business every sandbox starts with, with fixed ids so that documentation,
//! tests and a restarted `serve --demo` all name the same WABA, numbers and token.

/// The Meta app the demo business has authorised (what `--meta-app-id` / `--meta-app-secret`
/// point at when wabagate's upstream is the sandbox).
pub const DEMO_APP_ID: &str = "1000000000000001";
pub const DEMO_APP_SECRET: &str = "sandbox-app-secret-0123456789abcdef";
/// The Facebook Login for Business configuration (Embedded Signup) of the demo app.
pub const DEMO_CONFIG_ID: &str = "1000000000000002";

/// The Meta business portfolio that owns the demo WABA.
pub const DEMO_BUSINESS_ID: &str = "1000000000000010";
/// The demo WhatsApp Business Account.
pub const DEMO_WABA_ID: &str = "1000000000000100";
/// The demo user who logs in through the sandbox's OAuth dialog.
pub const DEMO_USER_ID: &str = "1000000000000200";
/// The demo business's system user (owner of [`DEMO_ACCESS_TOKEN`]).
pub const DEMO_SYSTEM_USER_ID: &str = "1000000000000300";

/// The two business phone numbers of the demo WABA: (phone_number_id, display_phone_number, verified_name).
pub const DEMO_PHONE_NUMBERS: [(&str, &str, &str); 2] = [
    ("1000000000001000", "+1 555-010-0001", "Wabagate Demo Shop"),
    ("1000000000001001", "+1 555-010-0002", "Wabagate Demo Support"),
];

/// A system-user token of the demo business: never expires, may use the demo WABA.
/// Fixed so that a restarted sandbox still honours connections stored by `serve --demo`.
pub const DEMO_ACCESS_TOKEN: &str = "EAAGsandboxDemoSystemUserToken0000000000000000000000000000000000";

/// Customers whose 24-hour customer service window is open at start:
/// (wa_id, profile name). `1234567890` is the hosted product's example number.
pub const DEMO_CUSTOMERS: [(&str, &str); 4] = [
    ("1234567890", "Alex Example"),
    ("15551234567", "Sam Sample"),
    ("447700900123", "Jo Tester"),
    ("4915123456789", "Kim Probe"),
];

/// The seeded business, as the gateway's demo mode needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBusiness {
    pub app_id: String,
    pub app_secret: String,
    pub config_id: String,
    pub waba_id: String,
    /// The first demo number: the one examples send from.
    pub phone_number_id: String,
    pub phone_number_ids: Vec<String>,
    pub access_token: String,
}

impl Default for DemoBusiness {
    fn default() -> Self {
        Self {
            app_id: DEMO_APP_ID.into(),
            app_secret: DEMO_APP_SECRET.into(),
            config_id: DEMO_CONFIG_ID.into(),
            waba_id: DEMO_WABA_ID.into(),
            phone_number_id: DEMO_PHONE_NUMBERS[0].0.into(),
            phone_number_ids: DEMO_PHONE_NUMBERS.iter().map(|(id, _, _)| (*id).into()).collect(),
            access_token: DEMO_ACCESS_TOKEN.into(),
        }
    }
}
