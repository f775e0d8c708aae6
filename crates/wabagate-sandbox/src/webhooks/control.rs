//! Control endpoints for the app-level webhook configuration, standing in for the App
//! Dashboard: `GET/POST/DELETE /__sandbox/webhooks`, `POST /__sandbox/webhooks/verify`
//! (run the handshake again) and `GET /__sandbox/webhooks/deliveries` (the attempt log).

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::seed::DEMO_APP_ID;
use crate::state::SandboxState;

use super::config::AppWebhook;
use super::control_error::ControlError;

fn demo_app_id() -> String {
    DEMO_APP_ID.to_owned()
}

fn yes() -> bool {
    true
}

/// Body of `POST /__sandbox/webhooks`.
#[derive(Debug, Deserialize)]
pub(super) struct ConfigureWebhook {
    #[serde(default = "demo_app_id")]
    app_id: String,
    callback_url: String,
    verify_token: String,
    /// Signs with this instead of the app secret.
    #[serde(default)]
    app_secret: Option<String>,
    /// Run the verification handshake before saving, as Meta does (default true).
    #[serde(default = "yes")]
    verify: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct AppSelector {
    #[serde(default = "demo_app_id")]
    app_id: String,
}

/// Saves an app's callback after the handshake passes; a failed handshake saves nothing.
pub(super) async fn configure(
    State(state): State<SandboxState>,
    Json(body): Json<ConfigureWebhook>,
) -> Result<Json<Value>, ControlError> {
    if state.oauth().apps().get(&body.app_id).is_none() {
        return Err(ControlError::not_found(format!("Unknown app {}", body.app_id)));
    }
    if body.verify {
        super::handshake::verify_callback(state.webhooks().client(), &body.callback_url, &body.verify_token)
            .await
            .map_err(|error| ControlError::bad_request(format!("Callback verification failed: {error}")))?;
    }
    state.webhooks().configs().set(
        &body.app_id,
        AppWebhook { callback_url: body.callback_url, verify_token: body.verify_token, app_secret: body.app_secret },
    );
    Ok(Json(json!({ "success": true })))
}

/// The configured callbacks; secrets and verify tokens are never echoed.
pub(super) async fn show(State(state): State<SandboxState>) -> Json<Value> {
    let data: Vec<Value> = state
        .webhooks()
        .configs()
        .all()
        .into_iter()
        .map(|(app_id, webhook)| {
            json!({
                "app_id": app_id,
                "callback_url": webhook.callback_url,
                "signing_secret": if webhook.app_secret.is_some() { "custom" } else { "app_secret" },
            })
        })
        .collect();
    Json(json!({ "data": data }))
}

pub(super) async fn remove(
    State(state): State<SandboxState>,
    Query(selector): Query<AppSelector>,
) -> Result<Json<Value>, ControlError> {
    if state.webhooks().configs().remove(&selector.app_id) {
        Ok(Json(json!({ "success": true })))
    } else {
        Err(ControlError::not_found(format!("App {} has no webhook configured", selector.app_id)))
    }
}

/// Runs the handshake against the saved callback, as the dashboard's "Verify" button.
pub(super) async fn verify(
    State(state): State<SandboxState>,
    Query(selector): Query<AppSelector>,
) -> Result<Json<Value>, ControlError> {
    let webhook = state
        .webhooks()
        .configs()
        .get(&selector.app_id)
        .ok_or_else(|| ControlError::not_found(format!("App {} has no webhook configured", selector.app_id)))?;
    super::handshake::verify_callback(state.webhooks().client(), &webhook.callback_url, &webhook.verify_token)
        .await
        .map_err(|error| ControlError::bad_request(format!("Callback verification failed: {error}")))?;
    Ok(Json(json!({ "success": true })))
}

pub(super) async fn deliveries(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "data": state.webhooks().deliveries().attempts() }))
}
