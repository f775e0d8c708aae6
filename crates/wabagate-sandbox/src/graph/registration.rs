//! A number's registration and verification: `POST /{phone_number_id}` (two-step PIN,
//! webhook override), `register`, `deregister`, `request_code` and `verify_code`
//! (whatsapp-cloud-api.md §5.2). The sandbox sends no SMS: the code `request_code` "sends"
//! is always `000000`, so tests can verify.

use axum::body::Body;
use axum::response::Response;
use serde_json::Value;

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, messages, params, success};
use crate::business::PhoneNumber;
use crate::state::SandboxState;

/// The code every `request_code` "sends".
pub(super) const SANDBOX_VERIFICATION_CODE: &str = "000000";
/// Meta's limit on `webhook_configuration.override_callback_uri`.
const OVERRIDE_URI_MAX: usize = 200;

/// `POST /{phone_number_id}`: `pin` sets two-step verification, `webhook_configuration`
/// the number's callback override (an empty URI removes it), `new_display_name` asks for a
/// display-name change (accepted for Meta's review, which the sandbox never completes).
pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = messages::read_json_body(call, body).await?;
    let pin = body.get("pin").map(check_pin).transpose()?;
    let webhook_override = match body.get("webhook_configuration") {
        None => None,
        Some(configuration) => {
            let uri = configuration
                .get("override_callback_uri")
                .and_then(Value::as_str)
                .ok_or_else(|| GraphError::missing_parameter("webhook_configuration[override_callback_uri]"))?;
            if uri.chars().count() > OVERRIDE_URI_MAX {
                return Err(GraphError::invalid_parameter(format!(
                    "Param webhook_configuration[override_callback_uri] must be at most {OVERRIDE_URI_MAX} characters long."
                )));
            }
            if !uri.is_empty() && url::Url::parse(uri).map_or(true, |url| !matches!(url.scheme(), "http" | "https")) {
                return Err(GraphError::invalid_parameter(
                    "Param webhook_configuration[override_callback_uri] must be a valid URL",
                ));
            }
            Some((!uri.is_empty()).then(|| uri.to_owned()))
        }
    };
    let new_display_name = match body.get("new_display_name") {
        None => false,
        Some(Value::String(name)) if !name.trim().is_empty() => true,
        Some(_) => return Err(GraphError::invalid_parameter("Param new_display_name must be a non-empty string")),
    };
    if pin.is_none() && webhook_override.is_none() && !new_display_name {
        return Err(GraphError::missing_parameter("pin"));
    }
    state.number_settings().update(&number.id, |settings| {
        if let Some(pin) = pin {
            settings.pin = Some(pin);
        }
        if let Some(webhook_override) = webhook_override {
            settings.webhook_override = webhook_override;
        }
    });
    Ok(success())
}

/// `POST /{phone_number_id}/register`: `messaging_product` and the six-digit `pin`, which
/// must match the two-step PIN once one is set.
pub(super) async fn register(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let body = messages::read_json_body(call, body).await?;
    check_messaging_product(&body)?;
    let pin = check_pin(body.get("pin").ok_or_else(|| GraphError::missing_parameter("pin"))?)?;
    let stored = state.number_settings().update(&number.id, |settings| settings.pin.get_or_insert(pin.clone()).clone());
    if stored != pin {
        return Err(GraphError::new(400, "OAuthException", 133005, "(#133005) Two step verification PIN Mismatch"));
    }
    state.businesses().mark_registered(&number.id);
    Ok(success())
}

/// `POST /{phone_number_id}/request_code`: `code_method` (`SMS` or `VOICE`) and `language`.
pub(super) async fn request_code(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let method =
        body.get("code_method").and_then(Value::as_str).ok_or_else(|| GraphError::missing_parameter("code_method"))?;
    if !matches!(method.to_ascii_uppercase().as_str(), "SMS" | "VOICE") {
        return Err(GraphError::invalid_parameter(format!("Param code_method has an invalid value '{method}'.")));
    }
    if body.get("language").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(GraphError::missing_parameter("language"));
    }
    state
        .number_settings()
        .update(&number.id, |settings| settings.pending_code = Some(SANDBOX_VERIFICATION_CODE.into()));
    Ok(success())
}

/// `POST /{phone_number_id}/verify_code`: the `code` `request_code` sent.
pub(super) async fn verify_code(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let code = body.get("code").and_then(Value::as_str).ok_or_else(|| GraphError::missing_parameter("code"))?;
    let verified = state.number_settings().update(&number.id, |settings| {
        let matches = settings.pending_code.as_deref() == Some(code);
        if matches {
            settings.pending_code = None;
        }
        matches
    });
    if !verified {
        return Err(GraphError::new(400, "OAuthException", 136025, "(#136025) Verify code error")
            .with_user_message("Code couldn't be verified", "The code you entered is not correct or has expired."));
    }
    Ok(success())
}

fn check_messaging_product(body: &Value) -> Result<(), GraphError> {
    match body.get("messaging_product").and_then(Value::as_str) {
        None => Err(GraphError::missing_parameter("messaging_product")),
        Some("whatsapp") => Ok(()),
        Some(other) => {
            Err(GraphError::invalid_parameter(format!("Param messaging_product has an invalid value '{other}'.")))
        }
    }
}

/// A two-step verification PIN: six digits, as a string or a number.
fn check_pin(pin: &Value) -> Result<String, GraphError> {
    let text = match pin {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    if text.len() == 6 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        Ok(text)
    } else {
        Err(GraphError::invalid_parameter("Param pin must be a 6-digit number."))
    }
}
