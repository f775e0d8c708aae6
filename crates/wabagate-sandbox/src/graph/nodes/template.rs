//! The `WhatsAppBusinessHSM` node (a message template): `GET /{template_id}` and the
//! items of `GET /{waba_id}/message_templates`.
//!
//! Field sources: the 200 schema of `GET /{TEMPLATE_ID}` in Meta's OpenAPI description
//! (`category`, `components`, `id`, `language`, `name`, `status`) and `MessageTemplate`;
//! the rest are Meta's template node reference (whatsapp-cloud-api.md §4.1).

use serde_json::{Map, Value, json};

use super::super::error::GraphError;
use super::super::fields::{self, Field};
use super::graph_time;
use crate::templates::StoredTemplate;

pub(in crate::graph) const NODE_TYPE: &str = "WhatsAppBusinessHSM";

/// The fields of a template Graph returns by default.
pub(in crate::graph) const DEFAULT_FIELDS: &[&str] =
    &["name", "parameter_format", "components", "language", "status", "category", "id"];

/// Meta's default `message_send_ttl_seconds`: 30 days.
const DEFAULT_TTL_SECONDS: u64 = 2_592_000;

/// The template as JSON with the requested fields.
pub(in crate::graph) fn render(
    template: &StoredTemplate,
    requested: &[Field],
) -> Result<Map<String, Value>, GraphError> {
    fields::select(requested, NODE_TYPE, |field| Ok(value(template, &field.name)))
}

fn value(template: &StoredTemplate, name: &str) -> Option<Option<Value>> {
    let definition = &template.definition;
    let set = |value: Value| Some(Some(value));
    match name {
        // The GET /{TEMPLATE_ID} schema and MessageTemplate
        "id" => set(json!(template.id)),
        "name" => set(json!(definition.name)),
        "language" => set(json!(definition.language)),
        "status" => set(json!(template.status.as_str())),
        "category" => set(json!(template.category.as_str())),
        "components" => set(serde_json::to_value(&definition.components).unwrap_or_else(|_| json!([]))),
        // Meta's template node reference
        "parameter_format" => set(json!(if definition.is_named() { "NAMED" } else { "POSITIONAL" })),
        "rejected_reason" => set(json!(template.rejected_reason.as_deref().unwrap_or("NONE"))),
        "quality_score" => set(json!({"score": "UNKNOWN", "date": template.updated_at})),
        "message_send_ttl_seconds" => set(json!(definition.message_send_ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS))),
        "last_updated_time" => set(json!(graph_time(template.updated_at))),
        "cta_url_link_tracking_opted_out" => set(json!(false)),
        // Set by Meta only when it recategorised a template, made it from the library, or
        // when the template uses creative features: the sandbox does none of these.
        "correct_category"
        | "previous_category"
        | "sub_category"
        | "library_template_name"
        | "degrees_of_freedom_spec" => Some(None),
        _ => None,
    }
}
