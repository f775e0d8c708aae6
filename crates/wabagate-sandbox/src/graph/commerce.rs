//! `GET|POST /{phone_number_id}/whatsapp_commerce_settings` (cart and catalog visibility)
//! and `GET|POST /{phone_number_id}/whatsapp_business_encryption` (the business public key
//! for Flows), as Meta's OpenAPI description has them.
//!
//! The sandbox has no Commerce Manager: a number counts as having a catalog connected once
//! its commerce settings make the catalog visible, which is what product messages need.

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params, success};
use crate::business::PhoneNumber;
use crate::state::SandboxState;

/// A PEM public key is a few hundred bytes; anything far larger is not one.
const PUBLIC_KEY_MAX_BYTES: usize = 16 * 1024;

fn commerce_settings(state: &SandboxState, number: &PhoneNumber) -> Value {
    let stored = state.number_settings().get(&number.id).commerce;
    let flag = |name: &str| stored.as_ref().and_then(|settings| settings[name].as_bool()).unwrap_or(false);
    json!({"is_cart_enabled": flag("is_cart_enabled"), "is_catalog_visible": flag("is_catalog_visible"), "id": format!("{}1", number.id)})
}

/// Whether the number has a (visible) catalog, as product and catalog messages need.
pub(super) fn has_catalog(state: &SandboxState, number: &PhoneNumber) -> bool {
    commerce_settings(state, number)["is_catalog_visible"] == json!(true)
}

pub(super) fn get_commerce(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    Ok(Json(json!({"data": [commerce_settings(state, number)]})).into_response())
}

pub(super) async fn update_commerce(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let cart = params::boolean(&body, "is_cart_enabled")?;
    let catalog = params::boolean(&body, "is_catalog_visible")?;
    if cart.is_none() && catalog.is_none() {
        return Err(GraphError::missing_parameter("is_cart_enabled"));
    }
    state.number_settings().update(&number.id, |settings| {
        let stored = settings.commerce.get_or_insert_with(|| json!({}));
        if let Some(cart) = cart {
            stored["is_cart_enabled"] = json!(cart);
        }
        if let Some(catalog) = catalog {
            stored["is_catalog_visible"] = json!(catalog);
        }
    });
    Ok(success())
}

pub(super) fn get_encryption(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let data: Vec<Value> = state
        .number_settings()
        .get(&number.id)
        .business_public_key
        .map(|key| json!({"business_public_key": key, "business_public_key_signature_status": "VALID"}))
        .into_iter()
        .collect();
    Ok(Json(json!({"data": data})).into_response())
}

/// Takes `business_public_key` from a multipart, form or JSON body; it must be a PEM key.
pub(super) async fn update_encryption(
    state: &SandboxState,
    call: &GraphCall,
    number: &PhoneNumber,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read(call, request).await?;
    let key = params::text(&body, "business_public_key")?.trim().to_owned();
    if key.len() > PUBLIC_KEY_MAX_BYTES
        || !key.starts_with("-----BEGIN PUBLIC KEY-----")
        || !key.ends_with("-----END PUBLIC KEY-----")
    {
        return Err(GraphError::invalid_parameter("Param business_public_key must be a PEM-encoded public key."));
    }
    state.number_settings().update(&number.id, |settings| settings.business_public_key = Some(key));
    Ok(success())
}
