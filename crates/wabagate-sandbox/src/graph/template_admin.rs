//! Template management beyond create/list/delete: edit (`POST /{template_id}`), archive
//! and unarchive (`POST /{waba_id}/message_templates/archive|unarchive`, which Meta serves
//! on api.facebook.com), compare (`GET /{template_id}/compare`) and Meta's template
//! library (`GET /message_template_library`) (whatsapp-cloud-api.md §4.5–§4.7), and
//! `POST /{template_id}/unpause`.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wabagate_model::template::{TemplateDefinition, TemplateStatus};

use super::error::GraphError;
use super::request::GraphCall;
use super::templates::{as_template_error, template_error};
use super::{MANAGEMENT, MESSAGING, params};
use crate::business::Waba;
use crate::state::SandboxState;
use crate::templates::{StoredTemplate, normalise};

/// Meta's edit limits for an approved template: 1 per 24 hours, 10 per 30 days.
const DAY: i64 = 24 * 3600;
const EDITS_PER_MONTH: usize = 10;
/// Meta's limit of ids per archive, unarchive or compare call.
pub(super) const MAX_IDS_PER_CALL: usize = 100;

/// `POST /{template_id}`: new `components`, `category` or `message_send_ttl_seconds`;
/// the template goes back to review.
pub(super) async fn edit(
    state: &SandboxState,
    call: &GraphCall,
    template: &StoredTemplate,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let refuse = |title: &str, message: String| {
        as_template_error(GraphError::invalid_parameter(message.clone()).with_user_message(title, message))
    };
    if !matches!(template.status, TemplateStatus::Approved | TemplateStatus::Rejected | TemplateStatus::Paused) {
        return Err(refuse(
            "Template can't be edited",
            format!(
                "Only approved, rejected or paused templates can be edited; this one is {}.",
                template.status.as_str()
            ),
        ));
    }
    let mut definition: TemplateDefinition = template.definition.clone();
    if let Some(components) = body.get("components") {
        let parsed = TemplateDefinition::from_json(json!({"name": definition.name, "language": definition.language, "category": definition.category, "components": components}))
            .map_err(|error| as_template_error(GraphError::from_violation(&error)))?;
        definition.components = parsed.components;
    }
    if let Some(category) = body.get("category").and_then(Value::as_str) {
        if template.status == TemplateStatus::Approved && !category.eq_ignore_ascii_case(template.category.as_str()) {
            return Err(refuse(
                "Category can't be changed",
                "The category of an approved template can't be changed.".into(),
            ));
        }
        definition.category = category.to_ascii_uppercase();
    }
    if let Some(ttl) = body.get("message_send_ttl_seconds") {
        definition.message_send_ttl_seconds = Some(
            ttl.as_u64()
                .or_else(|| ttl.as_str().and_then(|text| text.parse().ok()))
                .ok_or_else(|| GraphError::invalid_parameter("Param message_send_ttl_seconds must be a number."))?,
        );
    }
    if !["components", "category", "message_send_ttl_seconds"].iter().any(|key| body.contains_key(*key)) {
        return Err(GraphError::missing_parameter("components"));
    }
    let category = definition.validate().map_err(|error| template_error(&error))?;
    if template.status == TemplateStatus::Approved {
        let last_day = template.edits.iter().filter(|at| call.now - **at < DAY).count();
        let last_month = template.edits.iter().filter(|at| call.now - **at < 30 * DAY).count();
        if last_day >= 1 || last_month >= EDITS_PER_MONTH {
            return Err(refuse(
                "Edit limit reached",
                "An approved template can be edited once a day and 10 times in 30 days.".into(),
            ));
        }
    }
    let delay = i64::try_from(state.config().template_approval_delay.as_secs()).unwrap_or(i64::MAX);
    state.templates().update(&template.id, |stored| {
        stored.definition = normalise(definition);
        stored.category = category;
        stored.status = TemplateStatus::Pending;
        stored.rejected_reason = None;
        stored.review_due_at = Some(call.now.saturating_add(delay));
        stored.review_outcome = TemplateStatus::Approved;
        stored.updated_at = call.now;
        stored.edits.retain(|at| call.now - *at < 30 * DAY);
        stored.edits.push(call.now);
    });
    if delay == 0 {
        state.settle_template_reviews();
    }
    // The OpenAPI answer is `{success}`; graph.facebook.com adds the edited template's id,
    // name and category, which the schema allows.
    Ok(Json(
        json!({"success": true, "id": template.id, "name": template.definition.name, "category": category.as_str()}),
    )
    .into_response())
}

/// `POST /{template_id}/unpause`: a template Meta paused for its quality goes back to
/// `APPROVED`. Meta's answer is `{success, reason}`: a template that is not paused is
/// `success: false` with the reason, not an error.
pub(super) fn unpause(
    state: &SandboxState,
    call: &GraphCall,
    template: &StoredTemplate,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    state.settle_template_reviews();
    let unpaused = state.templates().update(&template.id, |stored| {
        let paused = stored.status == TemplateStatus::Paused;
        if paused {
            stored.status = TemplateStatus::Approved;
            stored.updated_at = call.now;
        }
        (paused, stored.status)
    });
    Ok(Json(match unpaused {
        Some((true, _)) => json!({"success": true}),
        Some((false, status)) => {
            json!({"success": false, "reason": format!("The template is {}, not PAUSED.", status.as_str())})
        }
        None => json!({"success": false, "reason": "The template no longer exists."}),
    })
    .into_response())
}

/// `hsm_ids` as Graph takes it: a JSON array, its text, or comma-separated ids.
pub(super) fn hsm_ids(raw: &Value) -> Result<Vec<String>, GraphError> {
    let items: Vec<String> = match raw {
        Value::Array(items) => {
            items.iter().map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned)).collect()
        }
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => {
                items.iter().map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned)).collect()
            }
            _ => text.split(',').map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()).collect(),
        },
        _ => Vec::new(),
    };
    if items.is_empty() || items.len() > MAX_IDS_PER_CALL {
        return Err(GraphError::invalid_parameter(format!(
            "Param hsm_ids must hold 1 to {MAX_IDS_PER_CALL} template ids."
        )));
    }
    Ok(items)
}

/// Archives (or unarchives) each template, reporting those that failed with the reason.
pub(super) async fn archive(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    body: Body,
    archive: bool,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let ids = hsm_ids(body.get("hsm_ids").ok_or_else(|| GraphError::missing_parameter("hsm_ids"))?)?;
    let mut done = Vec::new();
    let mut failed = Map::new();
    for id in ids {
        let outcome = state.templates().get(&id).filter(|template| template.waba_id == waba.id).map(|_| {
            state.templates().update(&id, |stored| match (archive, stored.status) {
                (true, TemplateStatus::Archived) | (false, TemplateStatus::Pending) => {
                    Err("Template is already in that state")
                }
                (true, status) => {
                    stored.status_before_archive = Some(status);
                    stored.status = TemplateStatus::Archived;
                    Ok(())
                }
                (false, TemplateStatus::Archived) => {
                    stored.status = stored.status_before_archive.take().unwrap_or(TemplateStatus::Approved);
                    Ok(())
                }
                (false, _) => Err("Template is not archived"),
            })
        });
        match outcome.flatten() {
            Some(Ok(())) => done.push(json!(id)),
            Some(Err(reason)) => {
                failed.insert(id, json!(reason));
            }
            None => {
                failed.insert(id, json!("Template does not exist"));
            }
        }
    }
    let key = if archive { "archived_templates" } else { "unarchived_templates" };
    Ok(Json(json!({key: done, "failed_templates": failed})).into_response())
}

/// `GET /{template_id}/compare?template_ids=…&start=…&end=…`: how the templates compare on
/// Meta's block-rate metric. The sandbox has no recipients who block, so every rate is 0.
pub(super) fn compare(
    state: &SandboxState,
    call: &GraphCall,
    template: &StoredTemplate,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let others =
        hsm_ids(&json!(call.query("template_ids").ok_or_else(|| GraphError::missing_parameter("template_ids"))?))?;
    for parameter in ["start", "end"] {
        call.query(parameter).ok_or_else(|| GraphError::missing_parameter(parameter))?;
    }
    let mut ids = vec![template.id.clone()];
    for id in others {
        if state.templates().get(&id).is_none_or(|other| other.waba_id != template.waba_id) {
            return Err(GraphError::invalid_parameter(format!(
                "Template {id} does not exist in this WhatsApp Business Account."
            )));
        }
        ids.push(id);
    }
    let values: Vec<Value> = ids.iter().map(|id| json!({"key": id, "value": 0})).collect();
    Ok(Json(json!({"data": [
        {"metric": "BLOCK_RATE", "type": "RELATIVE", "order_by_relative_metric": ids},
        {"metric": "MESSAGE_SENDS", "type": "NUMBER_VALUES", "number_values": values},
    ]}))
    .into_response())
}

/// Meta's template library, a few entries of it: pre-written utility and authentication
/// templates that `library_template_name` creates from.
fn library() -> Vec<Value> {
    vec![
        json!({"id": "7000000000000001", "name": "order_confirmation_1", "language": "en_US", "category": "UTILITY", "topic": "ORDER_MANAGEMENT", "usecase": "ORDER_CONFIRMATION", "industry": ["E_COMMERCE"],
               "body": "Hi {{1}}, your order {{2}} is confirmed. We'll let you know when it ships.", "body_params": ["John", "#12345"]}),
        json!({"id": "7000000000000002", "name": "delivery_update_1", "language": "en_US", "category": "UTILITY", "topic": "ORDER_MANAGEMENT", "usecase": "SHIPMENT_CONFIRMATION", "industry": ["E_COMMERCE"],
               "body": "Good news {{1}}! Your order {{2}} is on its way.", "body_params": ["John", "#12345"],
               "buttons": [{"type": "URL", "text": "Track order", "url": "https://www.example.com/track/{{1}}"}]}),
        json!({"id": "7000000000000003", "name": "appointment_reminder_1", "language": "en_US", "category": "UTILITY", "topic": "APPOINTMENTS", "usecase": "APPOINTMENT_REMINDER", "industry": ["HEALTH"],
               "body": "Hi {{1}}, this is a reminder of your appointment on {{2}}.", "body_params": ["John", "June 1"]}),
        json!({"id": "7000000000000004", "name": "verification_code_1", "language": "en_US", "category": "AUTHENTICATION", "topic": "AUTHENTICATION", "usecase": "VERIFICATION_CODE", "industry": [],
               "body": "{{1}} is your verification code.", "body_params": ["123456"]}),
    ]
}

/// `GET /message_template_library?search=…&topic=…&usecase=…&industry=…&language=…`.
pub(super) fn list_library(call: &GraphCall) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let text_matches = |entry: &Value, key: &str| {
        call.query(key).is_none_or(|wanted| {
            let value = &entry[key];
            value.as_str().is_some_and(|value| value.eq_ignore_ascii_case(wanted))
                || value.as_array().is_some_and(|values| {
                    values.iter().any(|value| value.as_str().is_some_and(|value| value.eq_ignore_ascii_case(wanted)))
                })
        })
    };
    let data: Vec<Value> = library()
        .into_iter()
        .filter(|entry| {
            call.query("search").is_none_or(|search| {
                entry["name"].as_str().unwrap_or_default().contains(search)
                    || entry["body"].as_str().unwrap_or_default().to_lowercase().contains(&search.to_lowercase())
            })
        })
        .filter(|entry| ["topic", "usecase", "industry", "language"].iter().all(|key| text_matches(entry, key)))
        .collect();
    Ok(Json(json!({"data": data})).into_response())
}
