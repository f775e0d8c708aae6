//! `/meta/webhooks`, where Meta delivers every webhook of the app, for every tenant.
//!
//! `GET` answers Meta's verification handshake. `POST` checks the signature over the exact
//! bytes before anything else, commits the body to the store and only then answers 200, so
//! a delivery Meta saw accepted is never lost; a store outage answers 503 and Meta retries.
//! Parsing and routing happen later, from the stored row ([`super::processor`]).

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;

use super::signature::{self, Refusal};
use crate::error::ApiError;
use crate::state::AppState;

/// Bodies over this are refused with 413 before any work (Meta's limit is 3 MB).
pub(crate) const WEBHOOK_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Meta's challenges are short numbers; anything long is not Meta.
const CHALLENGE_LIMIT: usize = 256;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/meta/webhooks", get(handshake).post(receive).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)))
}

/// `GET /meta/webhooks?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
async fn handshake(State(state): State<AppState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let expected = state.config().webhooks.verify_token.as_deref().unwrap_or_default();
    let presented = query.get("hub.verify_token").map(String::as_str).unwrap_or_default();
    let token_matches = !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()));
    let challenge = query.get("hub.challenge").filter(|challenge| challenge.len() <= CHALLENGE_LIMIT);
    match (query.get("hub.mode").map(String::as_str), token_matches, challenge) {
        (Some("subscribe"), true, Some(challenge)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ],
            challenge.clone(),
        )
            .into_response(),
        _ => ApiError::WebhookVerificationFailed.into_response(),
    }
}

/// `POST /meta/webhooks`: verify, store, 200.
async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<StatusCode, ApiError> {
    let current = state.config().meta_app.as_ref().map(|app| app.app_secret.as_str());
    let old = state.config().webhooks.old_app_secret.as_deref();
    let secrets: Vec<&str> = current.into_iter().chain(old).collect();
    let presented = headers.get("x-hub-signature-256").map(HeaderValue::as_bytes);
    signature::check(presented, &body, &secrets).map_err(|refusal| match refusal {
        Refusal::Missing => ApiError::WebhookSignatureMissing,
        Refusal::Invalid => ApiError::WebhookSignatureInvalid,
    })?;
    state.store().store_webhook_body(&body, state.now()).await.map_err(|error| {
        tracing::error!(error = %error, "storing a webhook body failed; Meta will redeliver it");
        ApiError::StoreUnavailable
    })?;
    state.webhook_stored().notify_one();
    Ok(StatusCode::OK)
}
