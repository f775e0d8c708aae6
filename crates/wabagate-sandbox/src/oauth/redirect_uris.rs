//! Control endpoint `PUT /__sandbox/apps/{app_id}/redirect_uris`: replaces an app's
//! "Valid OAuth Redirect URIs", as a developer would in the App Dashboard.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::SandboxState;

use super::apps::RedirectPolicy;

#[derive(Debug, Deserialize)]
pub(super) struct RedirectUris {
    /// Exact URIs; an empty list goes back to accepting any http(s) URL.
    redirect_uris: Vec<String>,
}

pub(super) async fn replace(
    State(state): State<SandboxState>,
    Path(app_id): Path<String>,
    Json(body): Json<RedirectUris>,
) -> (StatusCode, Json<Value>) {
    let policy =
        if body.redirect_uris.is_empty() { RedirectPolicy::AnyHttp } else { RedirectPolicy::Exact(body.redirect_uris) };
    if state.oauth().apps().set_redirect_policy(&app_id, policy) {
        (StatusCode::OK, Json(json!({ "success": true })))
    } else {
        (StatusCode::NOT_FOUND, Json(json!({ "error": { "message": format!("Unknown app {app_id}") } })))
    }
}
