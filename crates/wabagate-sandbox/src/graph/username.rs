//! Business usernames, the handle WhatsApp users find a business by (Meta's business-scoped
//! user id guide): `GET|POST|DELETE /{phone_number_id}/username` and
//! `GET /{phone_number_id}/username_suggestions`. Meta's reference files only name the
//! field (`username` on the phone number); these routes follow the guide's calls. A name
//! set here is `approved` at once: nobody reviews it, and no user can look it up.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params, success};
use crate::business::PhoneNumber;
use crate::number_settings::Username;
use crate::state::SandboxState;

/// WhatsApp's username lengths.
const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=35;

pub(super) fn get(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    Ok(Json(match state.number_settings().get(&number.id).username {
        Some(Username { username, status }) => json!({"username": username, "status": status}),
        // No username: nothing to report.
        None => json!({}),
    })
    .into_response())
}

pub(super) async fn set(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let username = params::text(&body, "username")?.to_owned();
    check(&username)?;
    let transfer = body.get("transfer_action").and_then(|value| value.as_str()).unwrap_or("none");
    if !matches!(transfer, "none" | "force_transfer") {
        return Err(GraphError::invalid_parameter(format!("Param transfer_action has an invalid value '{transfer}'.")));
    }
    let taken = state.number_settings().snapshot().into_iter().any(|(id, settings)| {
        id != number.id && settings.username.is_some_and(|other| other.username.eq_ignore_ascii_case(&username))
    });
    if taken && transfer != "force_transfer" {
        return Err(GraphError::invalid_parameter(format!(
            "The username {username} is used by another number of this business; set transfer_action to force_transfer to move it."
        )));
    }
    if taken {
        for (id, _) in state.number_settings().snapshot() {
            state.number_settings().update(&id, |settings| {
                if settings.username.as_ref().is_some_and(|other| other.username.eq_ignore_ascii_case(&username)) {
                    settings.username = None;
                }
            });
        }
    }
    let status = "approved".to_owned();
    state.number_settings().update(&number.id, |settings| {
        settings.username = Some(Username { username, status: status.clone() });
    });
    Ok(Json(json!({"status": status})).into_response())
}

pub(super) fn delete(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let had = state.number_settings().update(&number.id, |settings| settings.username.take());
    if had.is_none() {
        return Err(GraphError::invalid_parameter("This phone number has no username to delete."));
    }
    Ok(success())
}

/// Usernames reserved for the business: ones made from the number's verified name.
pub(super) fn suggestions(call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let base: String = number
        .verified_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(*USERNAME_CHARS.end() - 4)
        .collect();
    let base = if base.chars().any(|c| c.is_ascii_alphabetic()) { base } else { format!("business{base}") };
    let suggestions = [base.clone(), format!("{base}_official"), format!("{base}.app")];
    Ok(Json(json!({"data": [{"username_suggestions": suggestions}]})).into_response())
}

/// WhatsApp's username rules: 3 to 35 of `a-z`, `0-9`, `.` and `_`, at least one letter,
/// no `.` at either end nor two in a row, and not starting with `www`.
fn check(username: &str) -> Result<(), GraphError> {
    let allowed =
        username.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'.' || byte == b'_');
    let valid = USERNAME_CHARS.contains(&username.len())
        && allowed
        && username.bytes().any(|byte| byte.is_ascii_lowercase())
        && !username.starts_with('.')
        && !username.ends_with('.')
        && !username.contains("..")
        && !username.starts_with("www");
    if valid {
        Ok(())
    } else {
        Err(GraphError::invalid_parameter(format!(
            "Param username must have 3 to 35 lowercase letters, digits, periods or underscores, with at least one letter, no period at either end or twice in a row, and must not start with www; got '{username}'."
        )))
    }
}
