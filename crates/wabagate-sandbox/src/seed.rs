//! The demo business every sandbox starts with, with fixed ids so that documentation,
//! tests and a restarted `serve --demo` all name the same WABA, numbers and token.

use wabagate_model::template::TemplateStatus;

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

/// The demo templates: (id, status, definition as JSON). `order_confirmation` is deliberately
/// absent: the hosted product's create example uses that name and must succeed.
fn demo_templates() -> Vec<(&'static str, TemplateStatus, serde_json::Value)> {
    use serde_json::json;
    vec![
        (
            "1000000000010000",
            TemplateStatus::Approved,
            json!({"name": "hello_world", "language": "en_US", "category": "UTILITY", "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                {"type": "BODY", "text": "Welcome and congratulations!! This message demonstrates your ability to send a \
                    WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."},
                {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"}]}),
        ),
        (
            "1000000000010001",
            TemplateStatus::Approved,
            json!({"name": "shipping_update", "language": "en_US", "category": "UTILITY", "components": [
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2UvanBlZw==:ARb"]}},
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped.", "example": {"body_text": [["Pablo", "A-1001"]]}},
                {"type": "BUTTONS", "buttons": [
                    {"type": "URL", "text": "Track order", "url": "https://example.com/track/{{1}}",
                     "example": ["https://example.com/track/A-1001"]},
                    {"type": "QUICK_REPLY", "text": "Stop updates"}]}]}),
        ),
        (
            "1000000000010002",
            TemplateStatus::Approved,
            json!({"name": "verification_code", "language": "en_US", "category": "AUTHENTICATION", "components": [
                {"type": "BODY", "add_security_recommendation": true},
                {"type": "FOOTER", "code_expiration_minutes": 10},
                {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]}]}),
        ),
        (
            "1000000000010003",
            TemplateStatus::Approved,
            json!({"name": "seasonal_promotion", "language": "en_US", "category": "MARKETING", "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Our {{1}} sale is on!", "example": {"header_text": ["Summer"]}},
                {"type": "BODY", "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off all merchandise.",
                 "example": {"body_text": [["the end of August", "25OFF", "25%"]]}},
                {"type": "FOOTER", "text": "Reply STOP to opt out"},
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Unsubscribe from Promos"},
                                                {"type": "QUICK_REPLY", "text": "Unsubscribe from All"}]}]}),
        ),
        (
            "1000000000010004",
            TemplateStatus::Rejected,
            json!({"name": "account_alert", "language": "en_US", "category": "UTILITY", "components": [
                {"type": "BODY", "text": "Your account {{1}} needs attention.", "example": {"body_text": [["12345"]]}}]}),
        ),
    ]
}

/// The parts of the demo business that never change: the WABA, its numbers, the demo
/// system-user token.
pub(crate) fn seed_business(state: &crate::state::SandboxState) {
    use crate::business::{PhoneNumber, Waba};
    use crate::tokens::{TokenInfo, TokenKind};

    state.businesses().insert_waba(Waba {
        id: DEMO_WABA_ID.into(),
        name: "Wabagate Demo Business".into(),
        currency: "USD".into(),
        timezone_id: "1".into(),
        message_template_namespace: "sandbox_demo_namespace".into(),
        disable_marketing_messages_on_cloud_api: false,
    });
    for (id, display_phone_number, verified_name) in DEMO_PHONE_NUMBERS {
        state.businesses().insert_phone_number(PhoneNumber {
            id: id.into(),
            waba_id: DEMO_WABA_ID.into(),
            display_phone_number: display_phone_number.into(),
            verified_name: verified_name.into(),
            country_dial_code: "1".into(),
            country_code: "US".into(),
            quality_rating: "GREEN".into(),
            last_onboarded_time: "2025-01-15T10:00:00+0000".into(),
            pending: false,
        });
    }
    state.tokens().insert(
        DEMO_ACCESS_TOKEN.into(),
        TokenInfo {
            kind: TokenKind::SystemUser,
            app_id: DEMO_APP_ID.into(),
            user_id: DEMO_SYSTEM_USER_ID.into(),
            scopes: DEMO_SCOPES.iter().map(|scope| (*scope).to_owned()).collect(),
            waba_ids: vec![DEMO_WABA_ID.into()],
            issued_at: state.clock().unix(),
            expires_at: None,
        },
    );
}

/// The scopes of the demo token: everything the Graph side checks.
pub const DEMO_SCOPES: [&str; 3] =
    ["business_management", "whatsapp_business_management", "whatsapp_business_messaging"];

/// The parts of the demo business that a running sandbox changes (and a state file keeps):
/// templates, business profiles and the customers' open service windows.
pub(crate) fn seed_activity(state: &crate::state::SandboxState) {
    use crate::business::BusinessProfile;
    use crate::templates::{StoredTemplate, normalise};

    for (id, status, definition) in demo_templates() {
        let Ok(definition) = serde_json::from_value::<wabagate_model::template::TemplateDefinition>(definition) else {
            continue;
        };
        let Ok(category) = definition.validate() else { continue };
        let rejected_reason = (status == TemplateStatus::Rejected).then(|| "INVALID_FORMAT".to_owned());
        let template = StoredTemplate {
            id: id.into(),
            waba_id: DEMO_WABA_ID.into(),
            definition: normalise(definition),
            category,
            status,
            rejected_reason,
            review_due_at: None,
            review_outcome: status,
            updated_at: state.clock().unix(),
            edits: Vec::new(),
            status_before_archive: None,
        };
        let _ = state.templates().create(template);
    }
    state.businesses().update_profile(DEMO_PHONE_NUMBERS[0].0, |profile| {
        *profile = BusinessProfile {
            about: Some("Fresh demo goods, delivered by the sandbox.".into()),
            address: Some("12 Example Street, Springfield".into()),
            description: Some("The demo shop of the wabagate sandbox.".into()),
            email: Some("hello@example.com".into()),
            profile_picture_url: Some("https://pps.whatsapp.net/v/t61.24694-24/sandbox-demo.jpg".into()),
            websites: vec!["https://www.example.com/".into()],
            vertical: Some("RETAIL".into()),
        }
    });
    // The first number's username was reserved for the business before usernames went live.
    state.number_settings().update(DEMO_PHONE_NUMBERS[0].0, |settings| {
        settings.username =
            Some(crate::number_settings::Username { username: "wabagatedemoshop".into(), status: "reserved".into() });
    });
    state.businesses().update_profile(DEMO_PHONE_NUMBERS[1].0, |profile| {
        profile.about = Some("Support for the wabagate demo shop.".into());
        profile.vertical = Some("PROF_SERVICES".into());
    });
    let now = state.clock().unix();
    for (phone_number_id, _, _) in DEMO_PHONE_NUMBERS {
        for (wa_id, _) in DEMO_CUSTOMERS {
            state.windows().open(phone_number_id, wa_id, now);
        }
    }
}
