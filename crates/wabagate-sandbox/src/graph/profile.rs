//! `GET` and `POST /{phone_number_id}/whatsapp_business_profile` (whatsapp-cloud-api.md §6).

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wabagate_model::Violation;
use wabagate_model::business_profile::{BusinessProfileUpdate, PROFILE_FIELDS};

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, fields, messages};
use crate::business::PhoneNumber;
use crate::state::SandboxState;

pub(super) fn get(state: &SandboxState, call: &GraphCall, phone_number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let profile = state.businesses().profile(&phone_number.id);
    let requested = fields::requested(call, PROFILE_FIELDS)?;
    let object = fields::select(&requested, "WhatsAppBusinessProfile", |field| {
        Ok(PROFILE_FIELDS.contains(&field.name.as_str()).then(|| profile.field(&field.name)))
    })?;
    Ok(Json(json!({"data": [object]})).into_response())
}

pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    phone_number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let value = messages::read_json_body(call, body).await?;
    let update = BusinessProfileUpdate::from_json(value).map_err(|error| GraphError::from_violation(&error))?;
    update.validate().map_err(|error| match error.violation {
        Violation::Missing => GraphError::missing_parameter(&error.field),
        _ => GraphError::invalid_parameter(error.details()),
    })?;
    state.businesses().update_profile(&phone_number.id, |profile| profile.apply(update));
    Ok(Json(json!({"success": true})).into_response())
}
