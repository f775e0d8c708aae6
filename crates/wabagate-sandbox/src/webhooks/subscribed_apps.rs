//! `/{version}/{waba_id}/subscribed_apps` (POST/GET/DELETE): subscribes the calling token's
//! app to a WABA's webhooks, optionally with an `override_callback_uri` that must pass the
//! verification handshake first (meta-oauth-and-webhooks.md §8.1–§8.3).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri, header};
use serde_json::{Value, json};

use crate::oauth::GraphError;
use crate::oauth::bearer;
use crate::state::SandboxState;
use crate::tokens::{TokenInfo, TokenKind};

/// The permission every `subscribed_apps` call needs on the WABA.
const MANAGEMENT: &str = "whatsapp_business_management";

pub(super) async fn list(
    State(state): State<SandboxState>,
    Path((_version, waba_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, GraphError> {
    let params = parameters(&headers, &uri, &[]);
    authorize_on_waba(&state, &headers, &params, &waba_id, "get")?;
    let data: Vec<Value> = state
        .webhooks()
        .subscriptions()
        .of_waba(&waba_id)
        .into_iter()
        .map(|subscription| {
            let name = state.oauth().apps().get(&subscription.app_id).map(|app| app.name).unwrap_or_default();
            let mut entry = json!({
                "whatsapp_business_api_data": {
                    "id": subscription.app_id,
                    "link": format!("https://www.facebook.com/games/?app_id={}", subscription.app_id),
                    "name": name,
                }
            });
            if let Some(uri) = subscription.override_callback_uri {
                entry["override_callback_uri"] = uri.into();
            }
            entry
        })
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// An empty POST subscribes the app and removes any override; with
/// `override_callback_uri` the URL is verified with `verify_token` before it is stored.
pub(super) async fn subscribe(
    State(state): State<SandboxState>,
    Path((_version, waba_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    let params = parameters(&headers, &uri, &body);
    let token = authorize_on_waba(&state, &headers, &params, &waba_id, "post")?;
    let override_callback_uri = params.get("override_callback_uri").filter(|uri| !uri.is_empty()).cloned();
    if let Some(callback_uri) = &override_callback_uri {
        let verify_token = params
            .get("verify_token")
            .filter(|token| !token.is_empty())
            .ok_or(GraphError::oauth_missing_parameter("verify_token"))?;
        super::handshake::verify_callback(state.webhooks().client(), callback_uri, verify_token)
            .await
            .map_err(GraphError::callback_verification_failed)?;
    }
    state.webhooks().subscriptions().subscribe(&waba_id, &token.app_id, override_callback_uri);
    Ok(Json(json!({ "success": true })))
}

/// Unsubscribing an app that is not subscribed still succeeds, as observed of Meta.
pub(super) async fn unsubscribe(
    State(state): State<SandboxState>,
    Path((_version, waba_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, GraphError> {
    let params = parameters(&headers, &uri, &[]);
    let token = authorize_on_waba(&state, &headers, &params, &waba_id, "delete")?;
    state.webhooks().subscriptions().unsubscribe(&waba_id, &token.app_id);
    Ok(Json(json!({ "success": true })))
}

/// Graph takes parameters from the query string and from a JSON or form body alike.
fn parameters(headers: &HeaderMap, uri: &Uri, body: &[u8]) -> HashMap<String, String> {
    let mut params: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice::<Value>(body) {
            for (name, value) in object {
                let value = match value {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                params.insert(name, value);
            }
        }
    } else {
        params.extend(url::form_urlencoded::parse(body).into_owned());
    }
    params
}

/// A valid token with `whatsapp_business_management` whose targets include the WABA.
/// An unknown WABA and one the token may not see get the same 100/33, as Meta answers.
fn authorize_on_waba(
    state: &SandboxState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    waba_id: &str,
    method: &str,
) -> Result<TokenInfo, GraphError> {
    let presented = bearer::presented_token(headers, params.get("access_token").map(String::as_str));
    let token = bearer::authorize(state, presented.as_deref()).map_err(GraphError::on_whatsapp_endpoint)?;
    if token.kind == TokenKind::App || !state.directory().waba_exists(waba_id) {
        return Err(GraphError::unsupported_request(method, waba_id));
    }
    if !token.scopes.iter().any(|scope| scope == MANAGEMENT) {
        return Err(GraphError::permission_missing());
    }
    if !token.may_use_waba(waba_id) {
        return Err(GraphError::unsupported_request(method, waba_id));
    }
    Ok(token)
}
