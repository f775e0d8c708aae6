//! Marketing sign-up links (Meta's in-app signup guide): `POST|GET /{waba_id}/signups` and
//! `GET|POST /signups/{signup_id}`. Meta's reference files do not describe them; the calls,
//! fields and limits follow the guide. The terms must be accepted (`policy.accepted`) to
//! create one; `privacy_policy_url` is fixed once created.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::error::GraphError;
use super::fields::{self, Field};
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, params};
use crate::business::Waba;
use crate::signups::{MAX_SIGNUPS_PER_WABA, Signup};
use crate::state::SandboxState;

const NODE_TYPE: &str = "WhatsAppSignup";
const DEFAULT_FIELDS: &[&str] = &["id", "waba_id", "status", "message", "confirmation_message", "privacy_policy_url"];
const PAGE_SIZE: PageSize = PageSize { default: 25, max: 100 };
/// The guide's lengths.
const MESSAGE_CHARS: usize = 300;
const PROMO_CODE_CHARS: usize = 50;
const DISPLAY_NAME_CHARS: usize = 256;
/// What an update may change (`privacy_policy_url` may not).
const UPDATABLE: &[&str] =
    &["status", "signup_message", "confirmation_message", "website_url", "promo_code", "display_name"];

pub(super) async fn create(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let accepted = body.get("policy").and_then(|policy| policy.get("accepted")).and_then(Value::as_bool);
    if accepted != Some(true) {
        return Err(GraphError::invalid_parameter("The sign-up terms must be accepted: set policy.accepted to true."));
    }
    let privacy_policy_url = params::text(&body, "privacy_policy_url")?.to_owned();
    if !(privacy_policy_url.starts_with("https://") || privacy_policy_url.starts_with("http://")) {
        return Err(GraphError::invalid_parameter("Param privacy_policy_url must start with http:// or https://."));
    }
    let mut signup = Signup {
        id: state.ids().next_id(),
        waba_id: waba.id.clone(),
        status: "ACTIVE".into(),
        message: required(&body, "signup_message", MESSAGE_CHARS)?,
        confirmation_message: required(&body, "confirmation_message", MESSAGE_CHARS)?,
        privacy_policy_url,
        website_url: None,
        promo_code: None,
        display_name: None,
    };
    apply_optional(&body, &mut signup)?;
    if !state.signups().create(signup.clone()) {
        return Err(GraphError::invalid_parameter(format!(
            "A WhatsApp Business Account can have at most {MAX_SIGNUPS_PER_WABA} sign-up links in the sandbox."
        )));
    }
    Ok(Json(json!({"id": signup.id})).into_response())
}

pub(super) fn list(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let requested = fields::requested(call, DEFAULT_FIELDS)?;
    let signups = state.signups().of_waba(&waba.id);
    let ids: Vec<&str> = signups.iter().map(|signup| signup.id.as_str()).collect();
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{}/signups", waba.id))?;
    let data = signups[page.range]
        .iter()
        .map(|signup| render(signup, &requested).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

/// `GET /signups/{signup_id}`; a link of a WABA the token may not use does not exist.
pub(super) fn get(state: &SandboxState, call: &GraphCall, signup_id: &str) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let signup = visible(state, call, signup_id)?;
    Ok(Json(render(&signup, &fields::requested(call, DEFAULT_FIELDS)?)?).into_response())
}

/// `POST /signups/{signup_id}`: answers `success` and the link's `id`.
pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    signup_id: &str,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let signup = visible(state, call, signup_id)?;
    let body = params::read_body(call, body).await?;
    if body.contains_key("privacy_policy_url") {
        return Err(GraphError::invalid_parameter("Param privacy_policy_url can't be changed after creation."));
    }
    if let Some(unknown) = body.keys().find(|key| !UPDATABLE.contains(&key.as_str())) {
        return Err(GraphError::invalid_parameter(format!("Param {unknown} is not a field of a sign-up link.")));
    }
    if body.is_empty() {
        return Err(GraphError::missing_parameter("status"));
    }
    let mut updated = signup;
    match body.get("status").map(|status| status.as_str().unwrap_or_default().to_ascii_uppercase()) {
        None => {}
        Some(status) if matches!(status.as_str(), "ACTIVE" | "DISABLED") => updated.status = status,
        Some(status) => {
            return Err(GraphError::invalid_parameter(format!("Param status has an invalid value '{status}'.")));
        }
    }
    if body.contains_key("signup_message") {
        updated.message = required(&body, "signup_message", MESSAGE_CHARS)?;
    }
    if body.contains_key("confirmation_message") {
        updated.confirmation_message = required(&body, "confirmation_message", MESSAGE_CHARS)?;
    }
    apply_optional(&body, &mut updated)?;
    state.signups().update(signup_id, |stored| *stored = updated);
    Ok(Json(json!({"success": true, "id": signup_id})).into_response())
}

fn visible(state: &SandboxState, call: &GraphCall, signup_id: &str) -> Result<Signup, GraphError> {
    state
        .signups()
        .get(signup_id)
        .filter(|signup| call.token.may_use_waba(&signup.waba_id))
        .ok_or_else(|| GraphError::unknown_object(&call.method, signup_id))
}

fn render(signup: &Signup, requested: &[Field]) -> Result<Map<String, Value>, GraphError> {
    fields::select(requested, NODE_TYPE, |field| {
        let set = |value: Value| Some(Some(value));
        let optional = |value: &Option<String>| Some(value.clone().map(Value::String));
        Ok(match field.name.as_str() {
            "id" => set(json!(signup.id)),
            "waba_id" => set(json!(signup.waba_id)),
            "status" => set(json!(signup.status)),
            "message" => set(json!(signup.message)),
            "confirmation_message" => set(json!(signup.confirmation_message)),
            "privacy_policy_url" => set(json!(signup.privacy_policy_url)),
            "website_url" => optional(&signup.website_url),
            "promo_code" => optional(&signup.promo_code),
            "display_name" => optional(&signup.display_name),
            _ => None,
        })
    })
}

/// `website_url` (https only), `promo_code` (letters and digits) and `display_name`.
fn apply_optional(body: &Map<String, Value>, signup: &mut Signup) -> Result<(), GraphError> {
    if let Some(url) = bounded(body, "website_url", 2048)? {
        if !url.starts_with("https://") {
            return Err(GraphError::invalid_parameter("Param website_url must start with https://."));
        }
        signup.website_url = Some(url);
    }
    if let Some(code) = bounded(body, "promo_code", PROMO_CODE_CHARS)? {
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(GraphError::invalid_parameter("Param promo_code must hold only letters and digits."));
        }
        signup.promo_code = Some(code);
    }
    if let Some(name) = bounded(body, "display_name", DISPLAY_NAME_CHARS)? {
        signup.display_name = Some(name);
    }
    Ok(())
}

fn required(body: &Map<String, Value>, name: &str, max_chars: usize) -> Result<String, GraphError> {
    bounded(body, name, max_chars)?.ok_or_else(|| GraphError::missing_parameter(name))
}

/// A text parameter of 1 to `max_chars` characters, if given.
fn bounded(body: &Map<String, Value>, name: &str, max_chars: usize) -> Result<Option<String>, GraphError> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(text)) if (1..=max_chars).contains(&text.chars().count()) => Ok(Some(text.clone())),
        Some(_) => {
            Err(GraphError::invalid_parameter(format!("Param {name} must be a text of 1 to {max_chars} characters.")))
        }
    }
}
