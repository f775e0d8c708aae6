//! QR codes and short links: `GET|POST /{phone_number_id}/message_qrdls` and
//! `GET|DELETE /{phone_number_id}/message_qrdls/{code}`, as Meta's OpenAPI description has
//! them. A POST with `code`, or to `/message_qrdls/{code}` (Meta's earlier reference, which
//! client libraries still call), edits that code's message. Images are not rendered: the
//! `qr_image_url` points at a path on the sandbox that is not served.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Value, json};

use super::error::GraphError;
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params, success};
use crate::business::PhoneNumber;
use crate::number_settings::{MAX_QR_CODES, QrCode};
use crate::state::SandboxState;

const PAGE_SIZE: PageSize = PageSize { default: 25, max: 100 };
/// Meta's limit on a QR code's prefilled message.
const MESSAGE_MAX_CHARS: usize = 140;

fn render(state: &SandboxState, code: &QrCode, image_format: Option<&str>) -> Value {
    let mut object = json!({
        "code": code.code,
        "prefilled_message": code.prefilled_message,
        "deep_link_url": format!("https://wa.me/message/{}", code.code),
    });
    if let Some(format) = image_format {
        object["qr_image_url"] =
            json!(format!("{}/__sandbox/qr/{}.{}", state.public_url(), code.code, format.to_ascii_lowercase()));
    }
    object
}

/// A code as Meta shapes them: 14 characters of the base32 alphabet.
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut random = rand::thread_rng();
    (0..14).map(|_| char::from(ALPHABET[random.gen_range(0..ALPHABET.len())])).collect()
}

fn not_found(code: &str) -> GraphError {
    GraphError::invalid_parameter(format!("QR code {code} does not exist."))
}

pub(super) fn list(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let codes: Vec<QrCode> = state
        .number_settings()
        .get(&number.id)
        .qr_codes
        .into_iter()
        .filter(|code| call.query("code").is_none_or(|wanted| wanted == code.code))
        .collect();
    let ids: Vec<&str> = codes.iter().map(|code| code.code.as_str()).collect();
    // QR codes are listed in creation order, which their cursor positions follow.
    let positions: Vec<String> = (0..ids.len()).map(|index| (index + 1).to_string()).collect();
    let order: Vec<&str> = positions.iter().map(String::as_str).collect();
    let page = paging::page(state, call, &order, &PAGE_SIZE, &format!("{}/message_qrdls", number.id))?;
    let data: Vec<Value> = codes[page.range].iter().map(|code| render(state, code, None)).collect();
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

pub(super) fn get_one(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    code: &str,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let settings = state.number_settings().get(&number.id);
    let found = settings.qr_codes.iter().find(|stored| stored.code == code).ok_or_else(|| not_found(code))?;
    // Meta's OpenAPI file names the bare object as the schema, but its description ("returns
    // QR code in data array for consistency") and every example answer `{"data": [code]}`.
    Ok(Json(json!({"data": [render(state, found, None)]})).into_response())
}

pub(super) async fn create_or_edit(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
    code_in_path: Option<&str>,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let message = params::text(&body, "prefilled_message")?.to_owned();
    if message.chars().count() > MESSAGE_MAX_CHARS {
        return Err(GraphError::invalid_parameter(format!(
            "Param prefilled_message must be at most {MESSAGE_MAX_CHARS} characters long."
        )));
    }
    let image_format = match body.get("generate_qr_image").and_then(Value::as_str) {
        None => None,
        Some(format) if matches!(format.to_ascii_uppercase().as_str(), "PNG" | "SVG") => {
            Some(format.to_ascii_uppercase())
        }
        Some(other) => {
            return Err(GraphError::invalid_parameter(format!(
                "Param generate_qr_image has an invalid value '{other}'."
            )));
        }
    };
    let edited = code_in_path.or_else(|| body.get("code").and_then(Value::as_str)).map(str::to_owned);
    let new_code = new_code();
    let stored = state.number_settings().update(&number.id, |settings| match &edited {
        Some(code) => {
            let stored = settings.qr_codes.iter_mut().find(|stored| &stored.code == code)?;
            stored.prefilled_message = message.clone();
            Some(stored.clone())
        }
        None if settings.qr_codes.len() >= MAX_QR_CODES => None,
        None => {
            let code = QrCode { code: new_code, prefilled_message: message.clone() };
            settings.qr_codes.push(code.clone());
            Some(code)
        }
    });
    let stored = match (stored, &edited) {
        (Some(stored), _) => stored,
        (None, Some(code)) => return Err(not_found(code)),
        (None, None) => {
            return Err(GraphError::invalid_parameter(format!("A number can have at most {MAX_QR_CODES} QR codes.")));
        }
    };
    Ok(Json(render(state, &stored, image_format.as_deref().or(Some("PNG")))).into_response())
}

pub(super) fn delete(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    code: &str,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let removed = state.number_settings().update(&number.id, |settings| {
        let before = settings.qr_codes.len();
        settings.qr_codes.retain(|stored| stored.code != code);
        before != settings.qr_codes.len()
    });
    if removed { Ok(success()) } else { Err(not_found(code)) }
}
