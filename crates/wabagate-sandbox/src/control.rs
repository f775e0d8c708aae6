//! The sandbox's own API under the reserved `/__sandbox/` prefix, which Meta never uses:
//! move the clock, mint tokens, open service windows, and inspect what "Meta" received.
//! These endpoints take no token: the sandbox is a local test double.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::state::SandboxState;
use crate::tokens::{TokenInfo, TokenKind};

/// The control routes, to be merged into the sandbox router.
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/__sandbox/clock", get(clock))
        .route("/__sandbox/clock/advance", post(advance_clock))
        .route("/__sandbox/messages", get(messages))
        .route("/__sandbox/requests", get(requests).delete(clear_requests))
        .route("/__sandbox/tokens", post(issue_token))
        .route("/__sandbox/windows", post(open_window))
}

fn clock_body(state: &SandboxState) -> serde_json::Value {
    json!({"now": state.clock().unix(), "offset_seconds": state.clock().offset_seconds()})
}

async fn clock(State(state): State<SandboxState>) -> Json<serde_json::Value> {
    Json(clock_body(&state))
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

/// `POST /__sandbox/clock/advance {"seconds": N}`: time moves forward (never back); reviews
/// that fall due are decided at once.
async fn advance_clock(State(state): State<SandboxState>, Json(advance): Json<Advance>) -> Json<serde_json::Value> {
    state.clock().advance(advance.seconds);
    state.settle_template_reviews();
    Json(clock_body(&state))
}

#[derive(Deserialize)]
struct MessageFilter {
    phone_number_id: Option<String>,
    wa_id: Option<String>,
}

/// `GET /__sandbox/messages[?phone_number_id=…][&wa_id=…]`: accepted sends, oldest first.
async fn messages(State(state): State<SandboxState>, Query(filter): Query<MessageFilter>) -> Json<serde_json::Value> {
    let data: Vec<_> = state
        .sent()
        .entries()
        .into_iter()
        .filter(|message| filter.phone_number_id.as_ref().is_none_or(|id| *id == message.phone_number_id))
        .filter(|message| filter.wa_id.as_ref().is_none_or(|wa_id| *wa_id == message.wa_id))
        .collect();
    Json(json!({"data": data}))
}

/// `GET /__sandbox/requests`: the recorded Graph requests, oldest first.
async fn requests(State(state): State<SandboxState>) -> Json<serde_json::Value> {
    Json(json!({"data": state.recorder().requests()}))
}

async fn clear_requests(State(state): State<SandboxState>) -> StatusCode {
    state.recorder().clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenRequest {
    #[serde(default = "default_scopes")]
    scopes: Vec<String>,
    waba_ids: Option<Vec<String>>,
    /// Seconds from now (sandbox clock); absent = never expires.
    expires_in: Option<i64>,
}

fn default_scopes() -> Vec<String> {
    crate::seed::DEMO_SCOPES.iter().map(|scope| (*scope).to_owned()).collect()
}

/// `POST /__sandbox/tokens {"scopes": [...], "waba_ids": [...], "expires_in": 3600}`: a user
/// token of the demo app, for testing scopes and expiry.
async fn issue_token(State(state): State<SandboxState>, Json(request): Json<TokenRequest>) -> Response {
    let now = state.clock().unix();
    let expires_at = request.expires_in.map(|seconds| now.saturating_add(seconds));
    let token = state.tokens().issue(TokenInfo {
        kind: TokenKind::User,
        app_id: state.demo().app_id.clone(),
        user_id: crate::seed::DEMO_USER_ID.into(),
        scopes: request.scopes,
        waba_ids: request.waba_ids.unwrap_or_else(|| vec![state.demo().waba_id.clone()]),
        issued_at: now,
        expires_at,
    });
    Json(json!({"access_token": token, "token_type": "bearer", "expires_at": expires_at})).into_response()
}

#[derive(Deserialize)]
struct WindowRequest {
    phone_number_id: String,
    wa_id: String,
}

/// `POST /__sandbox/windows {"phone_number_id": …, "wa_id": …}`: the customer just wrote,
/// so the 24-hour window opens now.
async fn open_window(State(state): State<SandboxState>, Json(request): Json<WindowRequest>) -> StatusCode {
    state.windows().open(&request.phone_number_id, &request.wa_id, state.clock().unix());
    StatusCode::NO_CONTENT
}
