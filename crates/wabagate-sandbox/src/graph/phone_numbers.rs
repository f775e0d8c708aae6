//! `GET /{phone_number_id}`, `GET /{waba_id}/phone_numbers` and `GET /{waba_id}`
//! (whatsapp-cloud-api.md §5), with the nodes' fields from [`super::nodes`].

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::GraphError;
use super::nodes::{phone_number, waba as waba_node};
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, fields};
use crate::business::{PhoneNumber, Waba};
use crate::state::SandboxState;

/// `phone_numbers` pages as Meta's OpenAPI description has it: 25 by default, at most 100.
const PAGE_SIZE: PageSize = PageSize { default: 25, max: 100 };

pub(super) fn get(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, phone_number::DEFAULT_FIELDS)?;
    Ok(Json(phone_number::render(state, number, &requested)?).into_response())
}

pub(super) fn list(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, phone_number::LIST_DEFAULT_FIELDS)?;
    let numbers = state.businesses().phone_numbers_of(&waba.id);
    let ids: Vec<&str> = numbers.iter().map(|number| number.id.as_str()).collect();
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{}/phone_numbers", waba.id))?;
    let data = numbers[page.range]
        .iter()
        .map(|number| phone_number::render(state, number, &requested).map(Value::Object))
        .collect::<Result<Vec<Value>, GraphError>>()?;
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

pub(super) fn get_waba(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, waba_node::DEFAULT_FIELDS)?;
    Ok(Json(waba_node::render(state, waba, &requested)?).into_response())
}
