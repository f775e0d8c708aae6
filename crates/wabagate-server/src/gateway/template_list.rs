//! Template lists feed the mirror: a `GET [/vX.Y]/{waba_id}/message_templates` that Meta
//! answers 200 streams to the caller as it comes, while a copy of its bytes (bounded) is
//! handed to the ledger writer when the body ends, which parses it and updates the WABA's
//! templates in the mirror. The caller's bytes are never held back or changed; an answer
//! that is compressed, larger than [`COPY_LIMIT`] or cut short is simply not mirrored.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use bytes::BytesMut;
use http_body::{Frame, SizeHint};
use wabagate_store::{Account, GatewayConnection};

use super::media_link;
use crate::error::ApiError;
use crate::ledger_writer::{LedgerWriter, TemplateListPage};
use crate::state::AppState;

/// A page of templates with their components is tens of KiB; Graph pages hold at most a few
/// hundred templates.
pub(crate) const COPY_LIMIT: usize = 1024 * 1024;

/// Forwards `request` (already built for the upstream); mirrors the answer when it is a
/// template list.
pub(crate) async fn send(
    state: &AppState,
    account: &Account,
    connection: &GatewayConnection,
    request: Request,
) -> Result<Response, ApiError> {
    let Some(waba_id) = listed_waba(request.method(), request.uri().path()).map(str::to_owned) else {
        return media_link::send(state, account, connection, request).await;
    };
    let response = media_link::send(state, account, connection, request).await?;
    let identity = response.headers().get(header::CONTENT_ENCODING).is_none_or(|encoding| encoding == "identity");
    let fits = content_length(&response).is_none_or(|length| length <= COPY_LIMIT as u64);
    if response.status() != StatusCode::OK || !identity || !fits {
        return Ok(response);
    }
    let writer = state.ledger().clone();
    let at = state.now();
    Ok(response
        .map(|body| Body::new(CopiedBody { body, copy: Some(BytesMut::new()), page: Some((writer, waba_id, at)) })))
}

/// The WABA of `GET [/vX.Y]/{waba_id}/message_templates`.
fn listed_waba<'a>(method: &Method, graph_path: &'a str) -> Option<&'a str> {
    if method != Method::GET {
        return None;
    }
    super::graph_path::node_before_edge(graph_path, "message_templates")
}

fn content_length(response: &Response) -> Option<u64> {
    response.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The answer's body, passed through frame by frame, with a copy kept until it ends.
struct CopiedBody {
    body: Body,
    /// `None` once the copy was given up (too large, or the body failed).
    copy: Option<BytesMut>,
    /// Where the copy goes when the body ends; taken then.
    page: Option<(LedgerWriter, String, wabagate_store::Timestamp)>,
}

impl CopiedBody {
    fn finish(&mut self) {
        if let (Some(copy), Some((writer, waba_id, at))) = (self.copy.take(), self.page.take()) {
            writer.mirror(TemplateListPage { waba_id, answer: copy.freeze(), at });
        }
    }
}

impl http_body::Body for CopiedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let fits = self.copy.as_ref().is_some_and(|copy| copy.len() + data.len() <= COPY_LIMIT);
                    match (fits, self.copy.as_mut()) {
                        (true, Some(copy)) => copy.extend_from_slice(data),
                        _ => self.copy = None,
                    }
                }
                if self.body.is_end_stream() {
                    self.finish();
                }
            }
            Poll::Ready(Some(Err(_))) => self.copy = None,
            Poll::Ready(None) => self.finish(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_get_of_a_wabas_message_templates_is_a_template_list() {
        assert_eq!(listed_waba(&Method::GET, "/v21.0/2000/message_templates"), Some("2000"));
        assert_eq!(listed_waba(&Method::GET, "/2000/message_templates"), Some("2000"));
        assert_eq!(listed_waba(&Method::POST, "/v21.0/2000/message_templates"), None);
        assert_eq!(listed_waba(&Method::GET, "/v21.0/2000/message_templates/x"), None);
        assert_eq!(listed_waba(&Method::GET, "/v21.0/me/message_templates"), None);
    }
}
