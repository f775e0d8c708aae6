//! Calling: `POST /{phone_number_id}/calls` (start, pre-accept, accept, reject, terminate)
//! and `GET /{phone_number_id}/call_permissions`, as Meta's OpenAPI description has them.
//! Calls need calling enabled in the number's `settings`. No media flows: a connect is
//! answered with a call id and nothing rings.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wabagate_model::phone::normalize_recipient;

use super::error::GraphError;
use super::request::GraphCall;
use super::{MESSAGING, params, settings, success};
use crate::business::PhoneNumber;
use crate::state::SandboxState;

const ACTIONS: &[&str] = &["connect", "pre_accept", "accept", "reject", "terminate"];
/// Meta's limit on permission requests to one user: 1 a day, 2 a week.
const PERMISSION_REQUESTS_PER_DAY: u32 = 1;

/// Meta's refusal of a calling operation on a number without calling enabled.
pub(super) fn calling_disabled() -> GraphError {
    GraphError::invalid_parameter(
        "Calling is not enabled for this phone number. Enable it with POST /{phone_number_id}/settings.",
    )
    .with_user_message("Calling not enabled", "Calling is not enabled for this phone number.")
}

pub(super) async fn call(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    let body = params::read_body(call, body).await?;
    match body.get("messaging_product").and_then(Value::as_str) {
        None => return Err(GraphError::missing_parameter("messaging_product")),
        Some("whatsapp") => {}
        Some(other) => {
            return Err(GraphError::invalid_parameter(format!(
                "Param messaging_product has an invalid value '{other}'."
            )));
        }
    }
    let action = params::text(&body, "action")?;
    if !ACTIONS.contains(&action) {
        return Err(GraphError::invalid_parameter(format!("Param action has an invalid value '{action}'.")));
    }
    if !settings::calling_enabled(state, number) {
        return Err(calling_disabled());
    }
    if action == "connect" {
        let to = params::text(&body, "to")?;
        normalize_recipient(to, &number.country_dial_code).map_err(|error| GraphError::from_violation(&error))?;
        let session = body.get("session").ok_or_else(|| GraphError::missing_parameter("session"))?;
        if session["sdp_type"].as_str() != Some("offer") || session["sdp"].as_str().is_none_or(str::is_empty) {
            return Err(GraphError::invalid_parameter(
                "Param session must hold an SDP offer (sdp_type offer and sdp).",
            ));
        }
        let id = format!("wacid.{}", crate::ids::new_trace_id());
        return Ok(Json(json!({"messaging_product": "whatsapp", "calls": [{"id": id}]})).into_response());
    }
    params::text(&body, "call_id")?;
    if matches!(action, "pre_accept" | "accept") && body.get("session").is_none() {
        return Err(GraphError::missing_parameter("session"));
    }
    Ok(success())
}

/// Whether the business may call `user_wa_id`: the sandbox has no call permission
/// requests answered, so no user has granted one.
pub(super) fn permissions(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    let user = call.query("user_wa_id").ok_or_else(|| GraphError::missing_parameter("user_wa_id"))?;
    normalize_recipient(user, &number.country_dial_code).map_err(|error| GraphError::from_violation(&error))?;
    let enabled = settings::calling_enabled(state, number);
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "permission": {"status": "denied"},
        "actions": [
            {"action_name": "send_call_permission_request", "can_perform_action": enabled,
             "limits": [{"time_period": "PT24H", "current_usage": 0, "max_allowed": PERMISSION_REQUESTS_PER_DAY}]},
            {"action_name": "start_call", "can_perform_action": false},
        ],
    }))
    .into_response())
}
