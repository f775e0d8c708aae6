//! Meta's Groups API, as its OpenAPI description has it: `POST|GET /{phone_number_id}/groups`,
//! `GET|POST|DELETE /{group_id}`, `GET|POST /{group_id}/invite_link` and
//! `GET /{group_id}/join_requests`. Meta makes, changes and deletes groups asynchronously,
//! answering a `request_id`; the sandbox does it at once. No user ever joins, so
//! participants and join requests are empty, and no group webhooks are sent.

use axum::Json;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde_json::{Map, Value, json};

use super::error::GraphError;
use super::fields::{self, Field};
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params};
use crate::business::PhoneNumber;
use crate::groups::{Group, MAX_GROUPS_PER_NUMBER};
use crate::state::SandboxState;

const NODE_TYPE: &str = "WhatsAppGroup";
/// `GroupInfo` in Meta's OpenAPI description.
const DEFAULT_FIELDS: &[&str] = &[
    "id",
    "messaging_product",
    "subject",
    "description",
    "suspended",
    "creation_timestamp",
    "participants",
    "total_participant_count",
    "join_approval_mode",
];
const PAGE_SIZE: PageSize = PageSize { default: 25, max: 100 };
/// Meta's lengths: a subject of 128 characters, a description of 2048.
const SUBJECT_CHARS: usize = 128;
const DESCRIPTION_CHARS: usize = 2048;
const JOIN_MODES: &[&str] = &["approval_required", "auto_approve"];

pub(super) async fn create(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    let body = params::read(call, request).await?;
    check_messaging_product(&body)?;
    let subject = subject(&body)?.ok_or_else(|| GraphError::missing_parameter("subject"))?;
    let join_approval_mode = match body.get("join_approval_mode") {
        None => "auto_approve".to_owned(),
        Some(Value::String(mode)) if JOIN_MODES.contains(&mode.to_ascii_lowercase().as_str()) => {
            mode.to_ascii_lowercase()
        }
        Some(other) => {
            return Err(GraphError::invalid_parameter(format!(
                "Param join_approval_mode has an invalid value {other}."
            )));
        }
    };
    let group = Group {
        id: group_id(number),
        phone_number_id: number.id.clone(),
        waba_id: number.waba_id.clone(),
        subject,
        description: description(&body)?,
        join_approval_mode,
        invite_code: invite_code(),
        created_at: call.now,
    };
    if !state.groups().create(group) {
        return Err(GraphError::invalid_parameter(format!(
            "A number can have at most {MAX_GROUPS_PER_NUMBER} groups in the sandbox."
        )));
    }
    Ok(Json(json!({"messaging_product": "whatsapp", "request_id": state.ids().next_id()})).into_response())
}

/// The number's active groups: `{"data": {"groups": [{id, subject, created_at}]}}`.
pub(super) fn list(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    let groups = state.groups().of_number(&number.id);
    let ids: Vec<&str> = groups.iter().map(|group| group.id.as_str()).collect();
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{}/groups", number.id))?;
    let items: Vec<Value> = groups[page.range]
        .iter()
        .map(|group| {
            json!({"id": group.id, "subject": group.subject, "created_at": super::nodes::graph_time(group.created_at)})
        })
        .collect();
    let mut body = json!({"data": {"groups": items}});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

pub(super) fn get(call: &GraphCall, group: &Group) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    let requested = fields::requested(call, DEFAULT_FIELDS)?;
    Ok(Json(render(group, &requested)?).into_response())
}

fn render(group: &Group, requested: &[Field]) -> Result<Map<String, Value>, GraphError> {
    fields::select(requested, NODE_TYPE, |field| {
        let set = |value: Value| Some(Some(value));
        Ok(match field.name.as_str() {
            "id" => set(json!(group.id)),
            "messaging_product" => set(json!("whatsapp")),
            "subject" => set(json!(group.subject)),
            "description" => Some(group.description.clone().map(Value::String)),
            "suspended" => set(json!(false)),
            "creation_timestamp" => set(json!(group.created_at)),
            "participants" => set(json!([])),
            "total_participant_count" => set(json!(0)),
            "join_approval_mode" => set(json!(group.join_approval_mode)),
            _ => None,
        })
    })
}

/// `POST /{group_id}`: a new subject, description or profile picture (`file`, multipart).
pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    group: &Group,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    let body = params::read(call, request).await?;
    check_messaging_product(&body)?;
    let subject = subject(&body)?;
    let description = description(&body)?;
    let picture = body.contains_key("file") || body.contains_key("profile_picture_file");
    if subject.is_none() && description.is_none() && !picture {
        return Err(GraphError::missing_parameter("subject"));
    }
    state.groups().update(&group.id, |stored| {
        if let Some(subject) = subject {
            stored.subject = subject;
        }
        if description.is_some() {
            stored.description = description;
        }
    });
    // Meta applies group changes asynchronously and names the change by a request id.
    Ok(Json(json!({"messaging_product": "whatsapp", "request_id": state.ids().next_id()})).into_response())
}

pub(super) fn delete(state: &SandboxState, call: &GraphCall, group: &Group) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    state.groups().remove(&group.id);
    Ok(Json(json!({"success": true, "request_id": state.ids().next_id()})).into_response())
}

/// `GET /{group_id}/invite_link`, or with `reset` (a POST) a new link that ends the old one.
pub(super) fn invite_link(
    state: &SandboxState,
    call: &GraphCall,
    group: &Group,
    reset: bool,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    let code = if reset {
        let code = invite_code();
        state.groups().update(&group.id, |stored| stored.invite_code.clone_from(&code));
        code
    } else {
        group.invite_code.clone()
    };
    Ok(Json(json!({"messaging_product": "whatsapp", "invite_link": format!("https://chat.whatsapp.com/{code}")}))
        .into_response())
}

/// Nobody can ask to join a sandbox group: the list is always empty.
pub(super) fn join_requests(call: &GraphCall) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING, MANAGEMENT])?;
    Ok(Json(json!({"data": []})).into_response())
}

fn check_messaging_product(body: &Map<String, Value>) -> Result<(), GraphError> {
    match body.get("messaging_product").and_then(Value::as_str) {
        Some("whatsapp") => Ok(()),
        Some(other) => {
            Err(GraphError::invalid_parameter(format!("Param messaging_product must be whatsapp, got {other}.")))
        }
        None => Err(GraphError::missing_parameter("messaging_product")),
    }
}

/// `subject`, trimmed, 1 to 128 characters.
fn subject(body: &Map<String, Value>) -> Result<Option<String>, GraphError> {
    bounded_text(body, "subject", SUBJECT_CHARS)
}

fn description(body: &Map<String, Value>) -> Result<Option<String>, GraphError> {
    bounded_text(body, "description", DESCRIPTION_CHARS)
}

fn bounded_text(body: &Map<String, Value>, name: &str, max_chars: usize) -> Result<Option<String>, GraphError> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(text)) if (1..=max_chars).contains(&text.trim().chars().count()) => {
            Ok(Some(text.trim().to_owned()))
        }
        Some(_) => {
            Err(GraphError::invalid_parameter(format!("Param {name} must be a text of 1 to {max_chars} characters.")))
        }
    }
}

/// A group id in Meta's shape: URL-safe base64 of `capi_group:{number}:{group jid}`.
fn group_id(number: &PhoneNumber) -> String {
    let jid: u64 = rand::thread_rng().gen_range(120_363_000_000_000_000..120_363_999_999_999_999);
    URL_SAFE_NO_PAD.encode(format!("capi_group:{}:{jid}", number.wa_id()))
}

/// An invite code like WhatsApp's: 22 URL-safe characters.
fn invite_code() -> String {
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    URL_SAFE_NO_PAD.encode(bytes)
}
