//! `/{version}/debug_token`: what Meta knows about a token, read by gateways to find the
//! WABA an Embedded Signup shared (`granular_scopes[].target_ids`) and to notice expiry
//! (meta-oauth-and-webhooks.md §5).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::SandboxState;
use crate::tokens::{TokenInfo, TokenKind, TokenRejection};

use super::GraphError;
use super::apps::WHATSAPP_SCOPES;

#[derive(Debug, Deserialize)]
pub(super) struct DebugTokenParams {
    input_token: Option<String>,
    access_token: Option<String>,
}

/// The inspecting token (`access_token` or the bearer header) must be valid and belong to
/// the same app as the inspected one; an inspected token that is expired or unknown is
/// reported in `data` with `is_valid: false` rather than as a request error.
pub(super) async fn inspect(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(params): Query<DebugTokenParams>,
) -> Result<Json<Value>, GraphError> {
    let inspector_token = super::bearer::presented_token(&headers, params.access_token.as_deref());
    let inspector = super::bearer::authorize(&state, inspector_token.as_deref())?;
    let input_token = params
        .input_token
        .filter(|token| !token.is_empty())
        .ok_or(GraphError::oauth_invalid_parameter("(#100) The parameter input_token is required"))?;

    let Some(input) = super::bearer::lookup(&state, &input_token) else {
        let error = GraphError::token_unparsable();
        return Ok(Json(json!({ "data": { "error": error.as_embedded(), "is_valid": false, "scopes": [] } })));
    };
    if input.app_id != inspector.app_id {
        return Err(GraphError::oauth_invalid_parameter(
            "(#100) The App_id in the input_token did not match the Viewing App",
        ));
    }
    Ok(Json(json!({ "data": describe(&state, &input) })))
}

fn describe(state: &SandboxState, info: &TokenInfo) -> Value {
    let application = state.oauth().apps().get(&info.app_id).map(|app| app.name).unwrap_or_default();
    if info.kind == TokenKind::App {
        return json!({
            "app_id": info.app_id,
            "type": "APP",
            "application": application,
            "is_valid": true,
            "scopes": [],
        });
    }
    let now = state.clock().unix();
    let data_access_expires_at = match info.kind {
        TokenKind::User => info.issued_at + state.oauth().lifetimes().data_access,
        TokenKind::SystemUser | TokenKind::App => 0,
    };
    let mut data = json!({
        "app_id": info.app_id,
        "type": info.kind,
        "application": application,
        "data_access_expires_at": data_access_expires_at,
        // Meta's convention: 0 means the token never expires.
        "expires_at": info.expires_at.unwrap_or(0),
        "is_valid": !info.is_expired_at(now),
        "issued_at": info.issued_at,
        "scopes": info.scopes,
        "granular_scopes": granular_scopes(info),
        "user_id": info.user_id,
    });
    if let Some(expired_at) = info.expires_at.filter(|_| info.is_expired_at(now)) {
        data["error"] = GraphError::from_rejection(&TokenRejection::Expired { expired_at }, now).as_embedded();
    }
    data
}

/// One entry per permission that can be tied to assets; the WhatsApp permissions name the
/// granted WABAs in `target_ids`, which Meta omits when a permission is not asset-scoped.
fn granular_scopes(info: &TokenInfo) -> Vec<Value> {
    info.scopes
        .iter()
        .filter(|scope| !matches!(scope.as_str(), "public_profile" | "email"))
        .map(|scope| {
            if WHATSAPP_SCOPES.contains(&scope.as_str()) && !info.waba_ids.is_empty() {
                json!({ "scope": scope, "target_ids": info.waba_ids })
            } else {
                json!({ "scope": scope })
            }
        })
        .collect()
}
