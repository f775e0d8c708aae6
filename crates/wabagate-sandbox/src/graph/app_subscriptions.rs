//! `GET|POST /{app_id}/subscriptions`: an app's webhook callback, as set in the App
//! Dashboard or through this Graph call (meta-oauth-and-webhooks.md §8). A POST verifies
//! the callback with the `hub.challenge` handshake before storing it, as Meta does.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::GraphError;
use super::request::{GraphCall, LATEST_VERSION};
use super::{params, success};
use crate::oauth::apps::MetaApp;
use crate::state::SandboxState;
use crate::webhooks::AppWebhook;
use crate::webhooks::handshake::verify_callback;

/// The only object WhatsApp webhooks are subscribed on.
const OBJECT: &str = "whatsapp_business_account";

pub(super) fn list(state: &SandboxState, app: &MetaApp) -> Result<Response, GraphError> {
    let data: Vec<Value> = state
        .webhooks()
        .configs()
        .get(&app.app_id)
        .map(|webhook| {
            json!({"object": OBJECT, "callback_url": webhook.callback_url, "active": true,
                   "fields": [{"name": "messages", "version": LATEST_VERSION},
                              {"name": "message_template_status_update", "version": LATEST_VERSION}]})
        })
        .into_iter()
        .collect();
    Ok(Json(json!({"data": data})).into_response())
}

pub(super) async fn subscribe(
    state: &SandboxState,
    call: &GraphCall,
    app: &MetaApp,
    body: Body,
) -> Result<Response, GraphError> {
    let body = params::read_body(call, body).await?;
    let object = params::text(&body, "object")?;
    if object != OBJECT {
        return Err(GraphError::invalid_parameter(format!(
            "Param object has an invalid value '{object}': the sandbox serves {OBJECT} only."
        )));
    }
    let callback_url = params::text(&body, "callback_url")?.to_owned();
    let verify_token = params::text(&body, "verify_token")?.to_owned();
    verify_callback(state.webhooks().client(), &callback_url, &verify_token).await.map_err(|error| {
        GraphError::new(
            400,
            "OAuthException",
            2200,
            format!("(#2200) Callback verification failed with the following errors: {error}"),
        )
    })?;
    let app_secret = state.webhooks().configs().get(&app.app_id).and_then(|webhook| webhook.app_secret);
    state.webhooks().configs().set(&app.app_id, AppWebhook { callback_url, verify_token, app_secret });
    Ok(success())
}
