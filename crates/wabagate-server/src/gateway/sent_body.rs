//! The request body on its way upstream, telling when it has been sent in full: the upstream
//! timeout starts then, so a long upload is never cut for taking long (a stalled one is the
//! caller body's progress timeout's job).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use tokio::sync::oneshot;

/// The request with its body wrapped, and a future that resolves once the body has been sent
/// in full or dropped (by a connection that failed, or an answer that came first).
pub(crate) fn track(request: Request) -> (Request, impl Future<Output = ()>) {
    let (sent, on_sent) = oneshot::channel::<()>();
    let request = if request.body().is_end_stream() {
        // Nothing to send: the sender drops now, so the timeout starts at once.
        request
    } else {
        request.map(|body| Body::new(SentBody { body, sent: Some(sent) }))
    };
    (request, async move {
        let _ = on_sent.await;
    })
}

struct SentBody {
    body: Body,
    /// Dropped when the last frame has gone (or with the body), which wakes the receiver.
    sent: Option<oneshot::Sender<()>>,
}

impl http_body::Body for SentBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.body.is_end_stream() {
            self.sent = None;
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
