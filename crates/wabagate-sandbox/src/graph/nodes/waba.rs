//! The `WhatsAppBusinessAccount` node: `GET /{waba_id}`.
//!
//! Field sources, in Meta's OpenAPI description: `WhatsAppBusinessAccount` (the GET's 200
//! schema: `id`, `name`, `account_review_status`, `purchase_order_number`, `audiences`,
//! `ownership_type`, `subscribed_apps`, `business_verification_status`, `country`,
//! `currency`, `timezone_id`, `on_behalf_of_business_info`, `schedules`,
//! `is_enabled_for_insights`, `dcc_config`, `message_templates`, `phone_numbers`),
//! `WhatsAppBusinessAccount_2`/`_4` (`message_template_namespace`,
//! `primary_business_location`) and `WhatsAppBusinessAccount_3` (`status`). The rest are
//! Meta's node reference (issue 10), and `disable_marketing_messages_on_cloud_api`, the
//! setting behind error 131063 (whatsapp-cloud-api.md §9.3). Edges as fields (`phone_numbers{id,status}`) are
//! rendered with their own node's fields.

use serde_json::{Map, Value, json};

use super::super::error::GraphError;
use super::super::fields::{self, Field};
use super::{phone_number, template};
use crate::business::Waba;
use crate::seed::DEMO_BUSINESS_ID;
use crate::state::SandboxState;

pub(in crate::graph) const NODE_TYPE: &str = "WhatsAppBusinessAccount";

/// Meta's defaults without `fields` (the OpenAPI description of `GET /{WABA-ID}`).
pub(in crate::graph) const DEFAULT_FIELDS: &[&str] = &["id", "name"];

/// The WABA as JSON with the requested fields.
pub(in crate::graph) fn render(
    state: &SandboxState,
    waba: &Waba,
    requested: &[Field],
) -> Result<Map<String, Value>, GraphError> {
    fields::select(requested, NODE_TYPE, |field| value(state, waba, field))
}

fn value(state: &SandboxState, waba: &Waba, field: &Field) -> Result<Option<Option<Value>>, GraphError> {
    let set = |value: Value| Ok(Some(Some(value)));
    let business = json!({"id": DEMO_BUSINESS_ID, "name": waba.name});
    match field.name.as_str() {
        "id" => set(json!(waba.id)),
        "name" => set(json!(waba.name)),
        "currency" => set(json!(waba.currency)),
        "timezone_id" => set(json!(waba.timezone_id)),
        "message_template_namespace" => set(json!(waba.message_template_namespace)),
        "account_review_status" => set(json!("APPROVED")),
        "business_verification_status" => set(json!("verified")),
        "country" | "primary_business_location" => set(json!("US")),
        "ownership_type" => set(json!("SELF_OWNED")),
        "status" => set(json!("ACTIVE")),
        "is_enabled_for_insights" => set(json!(true)),
        "on_behalf_of_business_info" => {
            set(json!({"name": waba.name, "id": DEMO_BUSINESS_ID, "status": "APPROVED", "type": "SELF"}))
        }
        "owner_business_info" => set(business),
        "health_status" => set(json!({
            "can_send_message": "AVAILABLE",
            "entities": [{"entity_type": "WABA", "id": waba.id, "can_send_message": "AVAILABLE"}],
        })),
        "disable_marketing_messages_on_cloud_api" => set(json!(waba.disable_marketing_messages_on_cloud_api)),
        "marketing_messages_lite_api_status" | "marketing_messages_onboarding_status" => set(json!("INELIGIBLE")),
        "auth_international_rate_eligibility" => set(json!({"exception_countries": [], "start_time": 0})),
        "purchase_order_number" | "audiences" | "schedules" | "dcc_config" => Ok(Some(None)),
        "subscribed_apps" => set(subscribed_apps(state, waba, field)),
        "phone_numbers" => {
            let selection = field.children.clone().unwrap_or_else(|| fields::plain(phone_number::LIST_DEFAULT_FIELDS));
            let items = state
                .businesses()
                .phone_numbers_of(&waba.id)
                .iter()
                .map(|number| phone_number::render(state, number, &selection).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            set(fields::connection(field, items))
        }
        "message_templates" => {
            let selection = field.children.clone().unwrap_or_else(|| fields::plain(template::DEFAULT_FIELDS));
            let items = state
                .templates()
                .list(&waba.id)
                .iter()
                .map(|stored| template::render(stored, &selection).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            set(fields::connection(field, items))
        }
        _ => Ok(None),
    }
}

/// The apps subscribed to the WABA's webhooks, as `GET /{waba_id}/subscribed_apps` lists them.
fn subscribed_apps(state: &SandboxState, waba: &Waba, field: &Field) -> Value {
    let items = state
        .webhooks()
        .subscriptions()
        .of_waba(&waba.id)
        .into_iter()
        .map(|subscription| {
            let name = state.oauth().apps().get(&subscription.app_id).map(|app| app.name).unwrap_or_default();
            json!({"whatsapp_business_api_data": {
                "id": subscription.app_id,
                "link": format!("https://www.facebook.com/games/?app_id={}", subscription.app_id),
                "name": name,
            }})
        })
        .collect();
    fields::connection(field, items)
}
