//! Recording sends: `POST /{phone_number_id}/messages` through the gateway goes into the
//! message ledger, so the statuses Meta reports later attach to it. Every other route is
//! forwarded as before, paying nothing but a look at its path.
//!
//! For this one route the request body (small JSON, bounded in size and time) is copied
//! before it is forwarded, and so is a successful answer (Meta's `{"messages":[{"id"}]}`);
//! the caller gets the same bytes either way. On the request's path only the recipient and
//! the message type are read, for the service window: a free-form message into a closed
//! window is forwarded with a `Wabagate-Warning` header, or, with `enforce_service_window`,
//! refused before anything is forwarded. The window comes from a cache the webhook processor
//! keeps up to date; the copies go to the ledger writer, which parses and stores them off
//! the request's path ([`crate::ledger_writer`]).

use std::borrow::Cow;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use serde::Deserialize;
use wabagate_store::{Account, GatewayConnection};

use super::{proxy, template_list};
use crate::error::ApiError;
use crate::inbound::Window;
use crate::ledger_writer::{LedgerJob, SentMessage};
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
        return template_list::send(state, account, connection, request).await;
    };
    let small = content_length(request.headers()).is_some_and(|length| length <= REQUEST_COPY_LIMIT);
    if !small {
        return template_list::send(state, account, connection, request).await;
    }
    let (parts, body) = request.into_parts();
    let body = read_request(Body::new(body)).await?;
    let recipient = serde_json::from_slice::<SendPeek<'_>>(&body).ok().and_then(|peek| peek.free_form_recipient());
    let window_closed = match &recipient {
        Some(Recipient { wa_id, free_form: true }) => window_closed(state, &phone_number_id, wa_id).await,
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
    if recipient.is_none() || !response.status().is_success() {
        return Ok(response);
    }
    if content_length(response.headers()).is_none_or(|length| length > ANSWER_COPY_LIMIT) {
        return Ok(response);
    }
    let (parts, answer) = response.into_parts();
    let Some(answer) = read_bounded(answer, ANSWER_COPY_LIMIT).await else {
        tracing::warn!("reading Meta's answer to a send failed; the send is not recorded");
        return Ok(Response::from_parts(parts, Body::empty()));
    };
    let sent = SentMessage {
        account_id: account.account_id,
        connection_id: connection.connection_id,
        phone_number_id,
        request: body,
        answer: answer.clone(),
        request_id,
        sent_at: state.now(),
    };
    state.ledger().submit(LedgerJob::Send(sent)).await;
    Ok(Response::from_parts(parts, Body::from(answer)))
}

/// The business number of `POST [/vX.Y]/{phone_number_id}/messages`.
fn sending_number<'a>(method: &Method, graph_path: &'a str) -> Option<&'a str> {
    if method != Method::POST {
        return None;
    }
    super::graph_path::node_before_edge(graph_path, "messages")
}

/// The fields of a send's JSON the window check needs, read without building the rest
/// (the ledger writer parses the whole body later).
#[derive(Deserialize)]
struct SendPeek<'a> {
    #[serde(borrow)]
    recipient_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    to: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    message_type: Option<Cow<'a, str>>,
}

/// Who a send goes to (a `wa_id`, or a group id), and whether it needs an open window.
struct Recipient {
    wa_id: String,
    free_form: bool,
}

impl SendPeek<'_> {
    /// `None` for bodies that send nothing (mark-as-read has no `to`). Anything but a
    /// template needs an open window, except in a group, which has none.
    fn free_form_recipient(&self) -> Option<Recipient> {
        if self.recipient_type.as_deref() == Some("group") {
            let group_id = self.to.as_deref().filter(|to| !to.is_empty())?;
            return Some(Recipient { wa_id: group_id.to_owned(), free_form: false });
        }
        let wa_id = crate::inbound::digits(self.to.as_deref()?);
        let free_form = self.message_type.as_deref() != Some("template");
        (!wa_id.is_empty()).then_some(Recipient { wa_id, free_form })
    }
}

/// Whether the customer has not written within 24 hours. A store failure says "open": the
/// check advises, it must not stop a send.
async fn window_closed(state: &AppState, phone_number_id: &str, wa_id: &str) -> bool {
    match state.last_inbound(phone_number_id, wa_id).await {
        Ok(last_inbound) => !Window::from_last_inbound(last_inbound, state.now()).open,
        Err(error) => {
            tracing::warn!(error = %error, "checking a service window failed");
            false
        }
    }
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
    fn the_peek_reads_the_recipient_as_digits_and_templates_are_not_free_form() {
        let peek = |body: &str| serde_json::from_str::<SendPeek<'_>>(body).unwrap().free_form_recipient();
        let template = peek(r#"{"to": "+1 555-0100", "type": "template", "template": {"name": "hello_world"}}"#);
        let template = template.unwrap();
        assert_eq!((template.wa_id.as_str(), template.free_form), ("15550100", false));
        assert!(peek(r#"{"to": "15550100", "text": {"body": "hi"}}"#).unwrap().free_form);
        assert!(peek(r#"{"status": "read", "message_id": "wamid.X"}"#).is_none());
        let group = peek(r#"{"recipient_type": "group", "to": "Y2FwaV9ncm91cDox", "text": {"body": "hi"}}"#).unwrap();
        assert_eq!((group.wa_id.as_str(), group.free_form), ("Y2FwaV9ncm91cDox", false));
    }
}
