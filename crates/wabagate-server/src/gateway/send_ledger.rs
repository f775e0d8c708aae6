//! Recording sends: `POST /{phone_number_id}/messages` through the gateway goes into the
//! message ledger, so the statuses Meta reports later attach to it. Every other route is
//! forwarded as before, paying nothing but a look at its path.
//!
//! For this one route the request body (small JSON, bounded in size and time) is copied
//! before it is forwarded, and so is a successful answer (Meta's `{"messages":[{"id"}]}`);
//! the caller gets the same bytes either way. The copy also tells whether the message is
//! free-form into a closed service window: it is then forwarded with a `Wabagate-Warning`
//! header, or, with `enforce_service_window`, refused before anything is forwarded.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use serde_json::Value;
use wabagate_store::{Account, GatewayConnection, SendRecord};

use super::{media_link, proxy};
use crate::error::ApiError;
use crate::inbound::Window;
use crate::listener::caller_body::CallerBodyError;
use crate::observe::X_REQUEST_ID;
use crate::state::AppState;

/// A send's JSON is a few KiB at most (a text body is ≤ 4096 characters); larger requests
/// are forwarded without being recorded.
const REQUEST_COPY_LIMIT: u64 = 64 * 1024;
/// Meta's answer to a send is a few hundred bytes.
const ANSWER_COPY_LIMIT: u64 = 64 * 1024;
/// How long reading either copy may take.
const COPY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) static WABAGATE_WARNING: HeaderName = HeaderName::from_static("wabagate-warning");
const WINDOW_WARNING: &str = "131047 The customer's 24-hour service window is closed: Meta will fail this \
    free-form message (error 131047). Send an approved template instead.";

/// Forwards `request` (already built for the upstream); records it when it is a send.
pub(crate) async fn send(
    state: &AppState,
    account: &Account,
    connection: &GatewayConnection,
    request: Request,
) -> Result<Response, ApiError> {
    // The upstream URI's path is the caller's Graph path, unchanged.
    let Some(phone_number_id) = sending_number(request.method(), request.uri().path()).map(str::to_owned) else {
        return media_link::send(state, account, connection, request).await;
    };
    let small = content_length(request.headers()).is_some_and(|length| length <= REQUEST_COPY_LIMIT);
    if !small {
        return media_link::send(state, account, connection, request).await;
    }
    let (parts, body) = request.into_parts();
    let body = read_request(Body::new(body)).await?;
    let draft = serde_json::from_slice::<Value>(&body).ok().and_then(|json| SendDraft::read(&json));
    let window_closed = match &draft {
        Some(draft) if draft.is_free_form() => window_closed(state, &phone_number_id, &draft.recipient).await,
        _ => false,
    };
    if window_closed && state.config().webhooks.enforce_service_window {
        return Err(ApiError::ServiceWindowClosed);
    }
    let request_id = parts.headers.get(&X_REQUEST_ID).and_then(|id| id.to_str().ok()).map(str::to_owned);
    let mut response = proxy::send(state, Request::from_parts(parts, Body::from(body.clone()))).await?;
    if window_closed {
        response.headers_mut().insert(WABAGATE_WARNING.clone(), HeaderValue::from_static(WINDOW_WARNING));
    }
    let Some(draft) = draft.filter(|_| response.status().is_success()) else { return Ok(response) };
    if content_length(response.headers()).is_none_or(|length| length > ANSWER_COPY_LIMIT) {
        return Ok(response);
    }
    let (parts, answer) = response.into_parts();
    let Some(answer) = read_bounded(answer, ANSWER_COPY_LIMIT).await else {
        tracing::warn!("reading Meta's answer to a send failed; the send is not recorded");
        return Ok(Response::from_parts(parts, Body::empty()));
    };
    if let Some(wamid) = serde_json::from_slice::<Value>(&answer).ok().as_ref().and_then(accepted_wamid) {
        let record = SendRecord {
            wamid,
            account_id: account.account_id,
            connection_id: connection.connection_id,
            phone_number_id,
            recipient: draft.recipient,
            message_type: Some(draft.message_type),
            template_name: draft.template_name,
            biz_opaque_callback_data: draft.biz_opaque_callback_data,
            request_id,
            content: Some(draft.json),
            sent_at: state.now(),
        };
        if let Err(error) = state.store().record_send(&record).await {
            tracing::warn!(error = %error, "recording a send in the ledger failed");
        }
    }
    Ok(Response::from_parts(parts, Body::from(answer)))
}

/// The business number of `POST [/vX.Y]/{phone_number_id}/messages`.
fn sending_number<'a>(method: &Method, graph_path: &'a str) -> Option<&'a str> {
    if method != Method::POST {
        return None;
    }
    let mut segments = graph_path.trim_start_matches('/').split('/');
    let mut node = segments.next()?;
    if node.starts_with('v') {
        node = segments.next()?;
    }
    let is_number = !node.is_empty() && node.bytes().all(|byte| byte.is_ascii_digit());
    (is_number && segments.next() == Some("messages") && segments.next().is_none()).then_some(node)
}

/// What the ledger keeps of a send's request.
struct SendDraft {
    recipient: String,
    message_type: String,
    template_name: Option<String>,
    biz_opaque_callback_data: Option<String>,
    json: Value,
}

impl SendDraft {
    /// `None` for bodies that send nothing (mark-as-read has no `to`).
    fn read(json: &Value) -> Option<Self> {
        let recipient = crate::inbound::digits(json.get("to")?.as_str()?);
        if recipient.is_empty() {
            return None;
        }
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            recipient,
            message_type: text(json.get("type")).unwrap_or_else(|| "text".to_owned()),
            template_name: text(json.pointer("/template/name")),
            biz_opaque_callback_data: text(json.get("biz_opaque_callback_data")),
            json: json.clone(),
        })
    }

    /// Anything but a template needs an open window.
    fn is_free_form(&self) -> bool {
        self.message_type != "template"
    }
}

/// Whether the customer has not written within 24 hours. A store failure says "open": the
/// check advises, it must not stop a send.
async fn window_closed(state: &AppState, phone_number_id: &str, wa_id: &str) -> bool {
    match state.store().last_inbound(phone_number_id, wa_id).await {
        Ok(last_inbound) => !Window::from_last_inbound(last_inbound, state.now()).open,
        Err(error) => {
            tracing::warn!(error = %error, "checking a service window failed");
            false
        }
    }
}

/// `messages[0].id` of Meta's answer to a send.
fn accepted_wamid(answer: &Value) -> Option<String> {
    answer.pointer("/messages/0/id")?.as_str().filter(|id| !id.is_empty() && id.len() <= 256).map(str::to_owned)
}

fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The caller's small send body, read whole; its failures are the caller's, answered as the
/// proxy answers them (408 when it stalled, 400 when it was not valid HTTP framing).
async fn read_request(body: Body) -> Result<Bytes, ApiError> {
    let limit = usize::try_from(REQUEST_COPY_LIMIT).unwrap_or(usize::MAX);
    match tokio::time::timeout(COPY_TIMEOUT, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) => Err(match CallerBodyError::find(error.as_ref()) {
            Some(CallerBodyError::Stalled(timeout)) => ApiError::RequestBodyTimeout(timeout.as_secs()),
            _ => ApiError::UnreadableRequestBody,
        }),
        Err(_) => Err(ApiError::RequestBodyTimeout(COPY_TIMEOUT.as_secs())),
    }
}

async fn read_bounded(body: Body, limit: u64) -> Option<Bytes> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let collected = tokio::time::timeout(COPY_TIMEOUT, Limited::new(body, limit).collect()).await.ok()?.ok()?;
    Some(collected.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_post_to_a_numbers_messages_is_a_send() {
        assert_eq!(sending_number(&Method::POST, "/v21.0/1000/messages"), Some("1000"));
        assert_eq!(sending_number(&Method::POST, "/1000/messages"), Some("1000"));
        assert_eq!(sending_number(&Method::GET, "/v21.0/1000/messages"), None);
        assert_eq!(sending_number(&Method::POST, "/v21.0/1000/media"), None);
        assert_eq!(sending_number(&Method::POST, "/v21.0/1000/messages/x"), None);
        assert_eq!(sending_number(&Method::POST, "/v21.0/me/messages"), None);
    }

    #[test]
    fn a_draft_reads_the_recipient_as_digits_and_templates_are_not_free_form() {
        let draft = SendDraft::read(&serde_json::json!({"to": "+1 555-0100", "type": "template",
            "template": {"name": "hello_world"}, "biz_opaque_callback_data": "x"}))
        .unwrap();
        assert_eq!((draft.recipient.as_str(), draft.template_name.as_deref()), ("15550100", Some("hello_world")));
        assert!(!draft.is_free_form());
        assert!(SendDraft::read(&serde_json::json!({"status": "read", "message_id": "wamid.X"})).is_none());
    }
}
