//! `GET`, `POST` and `DELETE /{phone_number_id}/block_users`: the customers a number has
//! blocked, as Meta's OpenAPI description has them. Meta lets a number block only users who
//! messaged it in the last 24 hours; the sandbox checks that against its windows.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wabagate_model::phone::normalize_recipient;

use super::error::GraphError;
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params};
use crate::business::PhoneNumber;
use crate::number_settings::MAX_BLOCKED_USERS;
use crate::state::SandboxState;

const PAGE_SIZE: PageSize = PageSize { default: 100, max: 1000 };
/// Meta's limit of users per block or unblock request.
const MAX_USERS_PER_CALL: usize = 1000;

pub(super) fn list(state: &SandboxState, call: &GraphCall, number: &PhoneNumber) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let mut blocked = state.number_settings().get(&number.id).blocked;
    blocked.sort_by_key(|wa_id| crate::templates::graph_id_order(wa_id));
    let ids: Vec<&str> = blocked.iter().map(String::as_str).collect();
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{}/block_users", number.id))?;
    let data: Vec<Value> =
        blocked[page.range].iter().map(|wa_id| json!({"messaging_product": "whatsapp", "wa_id": wa_id})).collect();
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

pub(super) async fn block(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    let users = requested_users(call, number, body).await?;
    for (input, wa_id) in &users {
        if !state.windows().is_open(&number.id, wa_id, call.now) {
            return Err(GraphError::new(400, "OAuthException", 139100, "(#139100) Failed to block/unblock users")
                .with_user_message(
                    "Failed to block users",
                    format!("{input} can't be blocked: only users who messaged the business in the last 24 hours can be blocked."),
                ));
        }
    }
    let stored = state.number_settings().update(&number.id, |settings| {
        for (_, wa_id) in &users {
            if !settings.blocked.contains(wa_id) {
                if settings.blocked.len() >= MAX_BLOCKED_USERS {
                    return false;
                }
                settings.blocked.push(wa_id.clone());
            }
        }
        true
    });
    if !stored {
        return Err(GraphError::invalid_parameter(format!("A number can block at most {MAX_BLOCKED_USERS} users.")));
    }
    Ok(answer("added_users", &users))
}

pub(super) async fn unblock(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    let users = requested_users(call, number, body).await?;
    state.number_settings().update(&number.id, |settings| {
        settings.blocked.retain(|wa_id| users.iter().all(|(_, unblocked)| unblocked != wa_id));
    });
    Ok(answer("removed_users", &users))
}

/// `{"messaging_product": "whatsapp", "block_users": [{"user": "+1 555…"}]}` as
/// (input, wa_id) pairs.
async fn requested_users(
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Vec<(String, String)>, GraphError> {
    let body: Map<String, Value> = params::read_body(call, body).await?;
    match body.get("messaging_product").and_then(Value::as_str) {
        None => return Err(GraphError::missing_parameter("messaging_product")),
        Some("whatsapp") => {}
        Some(other) => {
            return Err(GraphError::invalid_parameter(format!(
                "Param messaging_product has an invalid value '{other}'."
            )));
        }
    }
    let users = body
        .get("block_users")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::missing_parameter("block_users"))?;
    if users.is_empty() || users.len() > MAX_USERS_PER_CALL {
        return Err(GraphError::invalid_parameter(format!(
            "Param block_users must have 1 to {MAX_USERS_PER_CALL} items."
        )));
    }
    users
        .iter()
        .map(|user| {
            let input = user["user"].as_str().ok_or_else(|| GraphError::missing_parameter("block_users[user]"))?;
            let wa_id = normalize_recipient(input, &number.country_dial_code)
                .map_err(|error| GraphError::from_violation(&error))?;
            Ok((input.to_owned(), wa_id))
        })
        .collect()
}

fn answer(key: &str, users: &[(String, String)]) -> Response {
    let users: Vec<Value> = users.iter().map(|(input, wa_id)| json!({"input": input, "wa_id": wa_id})).collect();
    Json(json!({"messaging_product": "whatsapp", "block_users": {key: users}})).into_response()
}
