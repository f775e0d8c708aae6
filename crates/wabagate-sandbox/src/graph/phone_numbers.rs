//! `GET /{phone_number_id}`, `GET /{waba_id}/phone_numbers` and `GET /{waba_id}`
//! (whatsapp-cloud-api.md §5).

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, fields};
use crate::business::{
    PHONE_NUMBER_DEFAULT_FIELDS, PHONE_NUMBER_LIST_DEFAULT_FIELDS, PHONE_NUMBER_NODE, PhoneNumber, Waba,
};
use crate::state::SandboxState;

pub(super) fn get(call: &GraphCall, phone_number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, PHONE_NUMBER_DEFAULT_FIELDS);
    let object = fields::select(&requested, PHONE_NUMBER_NODE, |name| phone_number.field(name).map(Some))?;
    Ok(Json(object).into_response())
}

pub(super) fn list(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, PHONE_NUMBER_LIST_DEFAULT_FIELDS);
    let numbers = state.businesses().phone_numbers_of(&waba.id);
    let data = numbers
        .iter()
        .map(|number| {
            fields::select(&requested, PHONE_NUMBER_NODE, |name| number.field(name).map(Some)).map(Value::Object)
        })
        .collect::<Result<Vec<Value>, GraphError>>()?;
    let mut body = json!({"data": data});
    if let (Some(first), Some(last)) = (numbers.first(), numbers.last()) {
        body["paging"] = json!({"cursors": {"before": super::templates::cursor(&first.id), "after": super::templates::cursor(&last.id)}});
    }
    Ok(Json(body).into_response())
}

pub(super) fn get_waba(call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, &["id", "name", "currency", "timezone_id", "message_template_namespace"]);
    let object = fields::select(&requested, "WhatsAppBusinessAccount", |name| {
        Some(Some(match name {
            "id" => json!(waba.id),
            "name" => json!(waba.name),
            "currency" => json!(waba.currency),
            "timezone_id" => json!(waba.timezone_id),
            "message_template_namespace" => json!(waba.message_template_namespace),
            "account_review_status" => json!("APPROVED"),
            "business_verification_status" => json!("verified"),
            _ => return None,
        }))
    })?;
    Ok(Json(object).into_response())
}
