//! Connections that can no longer become or stay usable change status here. PENDING ones
//! whose connect links all expired turn FAILED (reason `link_expired`), by the watcher.
//! Connections whose token Meta no longer honours turn EXPIRED, two ways:
//! - a watcher marks those whose known expiry has passed;
//! - a proxied call that Meta refuses with error 190 (invalid or expired token) marks its
//!   connection at once. That answer still reaches the caller byte for byte, with a
//!   `Wabagate-Connection-Status: EXPIRED` header added; later calls get the gateway's
//!   `connection_not_active` error, which says how to reconnect.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use wabagate_store::GatewayConnection;

use crate::state::AppState;

pub(crate) static CONNECTION_STATUS: HeaderName = HeaderName::from_static("wabagate-connection-status");

/// Graph error bodies are a few hundred bytes; only answers this small are looked into.
const INSPECTED_BODY_LIMIT: u64 = 64 * 1024;

/// Marks overdue connections EXPIRED, and PENDING ones whose links expired FAILED, every
/// `expiry_check_interval`, forever.
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
        match state.store().fail_expired_pending_connections().await {
            Ok(failed) => {
                for connection in failed {
                    tracing::info!(connection_id = %connection.connection_id, "connect link expired before the business connected");
                    state.forget_connections(connection.account_id);
                }
            }
            Err(error) => tracing::warn!(error = %error, "checking for expired connect links failed"),
        }
    }
}

/// Looks at a proxied answer for Meta's "this token is no good" (code 190) and, if so, marks
/// the connection EXPIRED. Successful and large answers pass untouched, without being read; a
/// small one whose body does not end within the upstream timeout is passed on as it comes.
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
    let bytes = match read_within(body, state.config().upstream_timeout).await {
        Ok(bytes) => bytes,
        Err(Unfinished::Stalled(passed_on)) => {
            tracing::warn!("an upstream error answer did not finish in time; passing it on unread");
            return Response::from_parts(parts, passed_on);
        }
        Err(Unfinished::Failed(error)) => {
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

enum Unfinished {
    /// The body did not end in time: what was read, followed by the rest as it comes.
    Stalled(Body),
    Failed(axum::Error),
}

/// Reads a small body whole, unless it takes longer than `timeout`.
async fn read_within(mut body: Body, timeout: Duration) -> Result<Bytes, Unfinished> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut read = BytesMut::new();
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(None) => return Ok(read.freeze()),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    read.extend_from_slice(&data);
                }
            }
            Ok(Some(Err(error))) => return Err(Unfinished::Failed(error)),
            Err(_) => {
                let read = futures_util::stream::once(std::future::ready(Ok(read.freeze())));
                return Err(Unfinished::Stalled(Body::from_stream(read.chain(body.into_data_stream()))));
            }
        }
    }
}
