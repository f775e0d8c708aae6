//! The `WhatsAppBusinessPhoneNumber` node: `GET /{phone_number_id}` and the items of
//! `GET /{waba_id}/phone_numbers`.
//!
//! Field sources, in Meta's OpenAPI description: `PhoneNumberInfo` (the single GET:
//! `id`, `display_phone_number`, `verified_name`, `quality_rating`,
//! `code_verification_status`, `name_status`), `WhatsAppBusinessAccountPhoneNumber` (the
//! list: `status`, `country_code`, `country_dial_code`, `unified_cert_status`,
//! `account_mode`, `host_platform`, `messaging_limit_tier`, `is_official_business_account`,
//! `username`) and `WhatsAppAccountNumber` (`certificate`). The rest are in Meta's node
//! reference but not in the file (whatsapp-cloud-api.md §5.1).

use serde_json::{Map, Value, json};

use super::super::error::GraphError;
use super::super::fields::{self, Field};
use crate::business::PhoneNumber;
use crate::number_settings::NumberSettings;
use crate::state::SandboxState;

pub(in crate::graph) const NODE_TYPE: &str = "WhatsAppBusinessPhoneNumber";

/// `GET /{phone_number_id}` without `fields` (`PhoneNumberInfo`'s defaults plus the
/// verification status Meta's own sample answers).
pub(in crate::graph) const DEFAULT_FIELDS: &[&str] =
    &["verified_name", "code_verification_status", "display_phone_number", "quality_rating", "id"];

/// Each item of `GET /{waba_id}/phone_numbers` without `fields`: what graph.facebook.com
/// answers, which includes the `status` `WhatsAppBusinessAccountPhoneNumber` requires.
pub(in crate::graph) const LIST_DEFAULT_FIELDS: &[&str] = &[
    "verified_name",
    "code_verification_status",
    "display_phone_number",
    "quality_rating",
    "platform_type",
    "throughput",
    "webhook_configuration",
    "id",
    "status",
];

/// The number as JSON with the requested fields.
pub(in crate::graph) fn render(
    state: &SandboxState,
    number: &PhoneNumber,
    requested: &[Field],
) -> Result<Map<String, Value>, GraphError> {
    let settings = state.number_settings().get(&number.id);
    fields::select(requested, NODE_TYPE, |field| Ok(value(state, number, &settings, &field.name)))
}

/// The value of one field: `None` for a field the node does not have, `Some(None)` for one
/// that is unset (and so omitted, as Graph omits it).
fn value(state: &SandboxState, number: &PhoneNumber, settings: &NumberSettings, name: &str) -> Option<Option<Value>> {
    let set = |value: Value| Some(Some(value));
    match name {
        // PhoneNumberInfo
        "id" => set(json!(number.id)),
        "display_phone_number" => set(json!(number.display_phone_number)),
        "verified_name" => set(json!(number.verified_name)),
        "quality_rating" => set(json!(number.quality_rating)),
        // A number added to its WABA is as Meta's list sample shows one before registration
        // (`UNVERIFIED` as the schema's enum has it; the sample's `NOT_VERIFIED` is not in it).
        "code_verification_status" => set(json!(if number.pending { "UNVERIFIED" } else { "VERIFIED" })),
        "name_status" => set(json!(if number.pending { "PENDING_REVIEW" } else { "APPROVED" })),
        // WhatsAppBusinessAccountPhoneNumber
        "status" => set(json!(if number.pending { "PENDING" } else { "CONNECTED" })),
        "country_code" => set(json!(number.country_code)),
        "country_dial_code" => set(json!(number.country_dial_code)),
        "unified_cert_status" => set(json!(if number.pending { "NAME_PENDING_REVIEW" } else { "APPROVED" })),
        "account_mode" => set(json!(if number.pending { "SANDBOX" } else { "LIVE" })),
        "host_platform" => set(json!("CLOUD_API")),
        "messaging_limit_tier" => set(json!(if number.pending { "TIER_50" } else { "TIER_1K" })),
        "is_official_business_account" => set(json!(false)),
        "username" => Some(settings.username.as_ref().map(|username| json!(username.username))),
        // WhatsAppAccountNumber: the display name certificate, base64 as Meta hands it out.
        "certificate" => set(json!(certificate(number))),
        // Meta's node reference (whatsapp-cloud-api.md §5.1)
        "new_certificate" | "new_display_name" => Some(None),
        "new_name_status" => set(json!("NONE")),
        "platform_type" => set(json!("CLOUD_API")),
        "throughput" => set(json!({"level": "STANDARD"})),
        "whatsapp_business_manager_messaging_limit" => set(json!("TIER_1K")),
        "is_pin_enabled" => set(json!(settings.pin.is_some())),
        "is_preverified_number" | "is_on_biz_app" => set(json!(false)),
        "last_onboarded_time" => set(json!(number.last_onboarded_time)),
        "search_visibility" => set(json!("VISIBLE")),
        "eligibility_for_api_business_global_search" => set(json!("NON_ELIGIBLE_UNDETERMINED")),
        "messaging_limit" => Some(None),
        "health_status" => set(health_status(number)),
        "quality_score" => set(json!({"score": number.quality_rating})),
        "conversational_automation" => set(crate::graph::settings::automation(number, settings)),
        "webhook_configuration" => Some(webhook_configuration(state, settings.webhook_override.clone())),
        _ => None,
    }
}

fn certificate(number: &PhoneNumber) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(format!("sandbox-certificate:{}:{}", number.id, number.verified_name))
}

/// Meta's `health_status`: the verdict for the number and for each entity above it.
fn health_status(number: &PhoneNumber) -> Value {
    let entity = |kind: &str, id: &str| json!({"entity_type": kind, "id": id, "can_send_message": "AVAILABLE"});
    json!({
        "can_send_message": "AVAILABLE",
        "entities": [
            entity("PHONE_NUMBER", &number.id),
            entity("WABA", &number.waba_id),
            entity("BUSINESS", crate::seed::DEMO_BUSINESS_ID),
            entity("APP", crate::seed::DEMO_APP_ID),
        ],
    })
}

/// Where this number's webhooks go: the number's override and the demo app's callback;
/// unset (and so omitted) when neither is configured.
fn webhook_configuration(state: &SandboxState, number_override: Option<String>) -> Option<Value> {
    let mut configuration = Map::new();
    if let Some(url) = number_override {
        configuration.insert("phone_number".into(), json!(url));
    }
    if let Some(app) = state.webhooks().configs().get(crate::seed::DEMO_APP_ID) {
        configuration.insert("application".into(), json!(app.callback_url));
    }
    (!configuration.is_empty()).then_some(Value::Object(configuration))
}
