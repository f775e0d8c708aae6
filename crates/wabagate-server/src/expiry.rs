//! Connections whose token Meta no longer honours turn EXPIRED, two ways:
//! - a watcher marks those whose known expiry has passed;
//! - a proxied call that Meta refuses with error 190 (invalid or expired token) marks its
//!   connection at once. That answer still reaches the caller byte for byte, with a
//!   `Wabagate-Connection-Status: EXPIRED` header added; later calls get the gateway's
//!   `connection_not_active` error, which says how to reconnect.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use wabagate_store::GatewayConnection;

use crate::state::AppState;

pub(crate) static CONNECTION_STATUS: HeaderName = HeaderName::from_static("wabagate-connection-status");

/// Graph error bodies are a few hundred bytes; only answers this small are looked into.
const INSPECTED_BODY_LIMIT: u64 = 64 * 1024;

/// Marks overdue connections EXPIRED every `expiry_check_interval`, forever.
pub(crate) async fn watch(state: AppState) {
    let mut ticks = tokio::time::interval(state.config().expiry_check_interval);
    loop {
        ticks.tick().await;
        match state.store().expire_overdue_connections(state.now()).await {
            Ok(expired) => {
                for connection in expired {
                    tracing::info!(connection_id = %connection.connection_id, "connection token expired");
                    state.forget_connections(connection.account_id);
                }
            }
            Err(error) => tracing::warn!(error = %error, "checking for expired connections failed"),
        }
    }
}

/// Looks at a proxied answer for Meta's "this token is no good" (code 190) and, if so, marks
/// the connection EXPIRED. Successful and large answers pass untouched, without being read.
pub(crate) async fn watch_for_rejected_token(
    state: &AppState,
    account_id: uuid::Uuid,
    connection: &GatewayConnection,
    response: Response,
) -> Response {
    if !matches!(response.status(), StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        return response;
    }
    let small = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|length| length <= INSPECTED_BODY_LIMIT);
    if !small {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            tracing::warn!(error = %error, "reading an upstream error answer failed");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let graph_error = serde_json::from_slice::<Value>(&bytes).ok().and_then(|answer| answer.get("error").cloned());
    if let Some(graph_error) = graph_error.filter(|error| error.get("code").and_then(Value::as_i64) == Some(190)) {
        let error = json!({
            "reason": "token_rejected",
            "code": 190,
            "subcode": graph_error.get("error_subcode"),
            "description": graph_error.get("message"),
        });
        match state.store().expire_connection(connection.connection_id, error).await {
            Ok(_) => {
                tracing::info!(connection_id = %connection.connection_id, "Meta rejected the connection's token; marked EXPIRED");
                parts.headers.insert(CONNECTION_STATUS.clone(), HeaderValue::from_static("EXPIRED"));
            }
            Err(error) => tracing::error!(error = %error, "marking a connection EXPIRED failed"),
        }
        state.forget_connections(account_id);
    }
    Response::from_parts(parts, Body::from(bytes))
}
