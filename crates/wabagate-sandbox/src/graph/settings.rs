//! `GET|POST /{phone_number_id}/settings` (calling, user identity change, payload
//! encryption, storage configuration) and `GET|POST /{phone_number_id}/conversational_automation`
//! (welcome message, ice-breaker prompts, commands), as Meta's OpenAPI description has them.
//! The sandbox stores what is set and serves it back; nothing rings or is encrypted.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params, success};
use crate::business::PhoneNumber;
use crate::number_settings::NumberSettings;
use crate::state::SandboxState;

/// The sections a `settings` POST may set.
const SECTIONS: &[&str] = &["calling", "user_identity_change", "payload_encryption", "storage_configuration"];
/// Meta's limits on conversational components.
const MAX_PROMPTS: usize = 4;
const MAX_COMMANDS: usize = 30;
const PROMPT_MAX_CHARS: usize = 80;
const COMMAND_NAME_MAX_CHARS: usize = 32;
const COMMAND_DESCRIPTION_MAX_CHARS: usize = 256;

/// What an untouched number answers.
fn defaults() -> Value {
    json!({
        "calling": {"status": "disabled", "call_icon_visibility": "visible", "callback_permission_status": "disabled",
                    "ip_addresses": {"default": ["157.240.19.130", "2a03:2880:f234:c6:face:b00c:0:699c"]},
                    "srtp_key_exchange_protocol": "DTLS-SRTP"},
        "user_identity_change": {"enable_identity_key_check": false},
        "payload_encryption": {"status": "disabled"},
        "storage_configuration": {"status": "default"},
    })
}

pub(super) fn get(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    Ok(Json(current(state, number)).into_response())
}

/// The number's settings: Meta's defaults with every section it set on top.
pub(super) fn current(state: &SandboxState, number: &PhoneNumber) -> Value {
    let mut settings = defaults();
    if let (Value::Object(base), Some(Value::Object(set))) =
        (&mut settings, state.number_settings().get(&number.id).settings)
    {
        for (section, value) in set {
            base.insert(section, value);
        }
    }
    settings
}

/// Whether the number has turned calling on (`settings.calling.status = enabled`).
pub(super) fn calling_enabled(state: &SandboxState, number: &PhoneNumber) -> bool {
    current(state, number)["calling"]["status"].as_str().is_some_and(|status| status.eq_ignore_ascii_case("enabled"))
}

pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let mut body = params::read_body(call, body).await?;
    if let Some(unknown) = body.keys().find(|key| !SECTIONS.contains(&key.as_str())) {
        return Err(GraphError::invalid_parameter(format!("Param {unknown} is not a setting of a phone number.")));
    }
    if body.is_empty() {
        return Err(GraphError::missing_parameter("calling"));
    }
    for (section, value) in &body {
        let Some(object) = value.as_object() else {
            return Err(GraphError::invalid_parameter(format!("Param {section} must be a JSON object.")));
        };
        check_status(section, object)?;
    }
    // Meta's identity-change guide names the switch `enable_identity_key_check`, its
    // settings reference `enabled`: both are taken, and kept under the guide's name.
    if let Some(Value::Object(identity)) = body.get_mut("user_identity_change")
        && let Some(enabled) = identity.remove("enabled")
    {
        identity.insert("enable_identity_key_check".into(), enabled);
    }
    state.number_settings().update(&number.id, |settings| {
        let stored = settings.settings.get_or_insert_with(|| json!({}));
        for (section, value) in body {
            let merged = match (stored.get(&section).cloned(), value) {
                (Some(Value::Object(mut old)), Value::Object(new)) => {
                    old.extend(new);
                    Value::Object(old)
                }
                (_, new) => new,
            };
            stored[section.as_str()] = merged;
        }
    });
    Ok(success())
}

/// `status` fields, where a section has one, are `enabled` or `disabled`.
fn check_status(section: &str, object: &Map<String, Value>) -> Result<(), GraphError> {
    match object.get("status") {
        None if matches!(section, "calling" | "payload_encryption") => {
            Err(GraphError::missing_parameter(&format!("{section}[status]")))
        }
        Some(Value::String(status))
            if section != "storage_configuration"
                && !matches!(status.to_ascii_lowercase().as_str(), "enabled" | "disabled") =>
        {
            Err(GraphError::invalid_parameter(format!("Param {section}[status] has an invalid value '{status}'.")))
        }
        _ => Ok(()),
    }
}

pub(super) fn get_automation(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let automation = automation(number, &state.number_settings().get(&number.id));
    Ok(Json(json!({"conversational_automation": automation, "id": number.id})).into_response())
}

/// The number's `conversational_automation` node: what it set, or Meta's empty defaults,
/// with the node's `id` (the number's), as Graph answers nested nodes.
pub(in crate::graph) fn automation(number: &PhoneNumber, settings: &NumberSettings) -> Value {
    let mut automation = settings
        .conversational_automation
        .clone()
        .unwrap_or_else(|| json!({"enable_welcome_message": false, "prompts": [], "commands": []}));
    automation["id"] = json!(number.id);
    automation
}

pub(super) async fn update_automation(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let welcome = params::boolean(&body, "enable_welcome_message")?;
    let prompts = match params::array(&body, "prompts")? {
        None => None,
        Some(prompts) => {
            if prompts.len() > MAX_PROMPTS {
                return Err(GraphError::invalid_parameter(format!(
                    "Param prompts must have at most {MAX_PROMPTS} items."
                )));
            }
            for prompt in &prompts {
                if prompt.as_str().is_none_or(|text| text.is_empty() || text.chars().count() > PROMPT_MAX_CHARS) {
                    return Err(GraphError::invalid_parameter(format!(
                        "Param prompts must hold texts of 1 to {PROMPT_MAX_CHARS} characters."
                    )));
                }
            }
            Some(Value::Array(prompts))
        }
    };
    let commands = match params::array(&body, "commands")? {
        None => None,
        Some(commands) => {
            if commands.len() > MAX_COMMANDS {
                return Err(GraphError::invalid_parameter(format!(
                    "Param commands must have at most {MAX_COMMANDS} items."
                )));
            }
            for command in &commands {
                let name = command["command_name"]
                    .as_str()
                    .ok_or_else(|| GraphError::missing_parameter("commands[command_name]"))?;
                let description = command["command_description"]
                    .as_str()
                    .ok_or_else(|| GraphError::missing_parameter("commands[command_description]"))?;
                if name.is_empty()
                    || name.chars().count() > COMMAND_NAME_MAX_CHARS
                    || description.chars().count() > COMMAND_DESCRIPTION_MAX_CHARS
                {
                    return Err(GraphError::invalid_parameter(format!(
                        "Param commands: command_name must have 1 to {COMMAND_NAME_MAX_CHARS} characters and command_description at most {COMMAND_DESCRIPTION_MAX_CHARS}."
                    )));
                }
            }
            Some(Value::Array(commands))
        }
    };
    state.number_settings().update(&number.id, |settings| {
        let automation = settings
            .conversational_automation
            .get_or_insert_with(|| json!({"enable_welcome_message": false, "prompts": [], "commands": []}));
        if let Some(welcome) = welcome {
            automation["enable_welcome_message"] = json!(welcome);
        }
        if let Some(prompts) = prompts {
            automation["prompts"] = prompts;
        }
        if let Some(commands) = commands {
            automation["commands"] = commands;
        }
    });
    Ok(success())
}
