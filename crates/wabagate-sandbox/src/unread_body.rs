//! Request bodies a handler refused without reading are read to their end (up to a bound)
//! after the answer, as Meta's front end does, so the client sees the error answer rather
//! than a reset connection (Node's fetch reports `EPIPE` when a server closes on an upload
//! it did not read).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};

/// The most read of a refused body: room for the largest upload the sandbox accepts.
const DRAINED_AT_MOST: u64 = 128 * 1024 * 1024;
/// How long a client may take to finish sending a refused body.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The middleware: every request body drains itself if its handler drops it unread.
pub(crate) async fn drain_unread_bodies(request: Request, next: Next) -> Response {
    next.run(request.map(|body| Body::new(DrainOnDrop(Some(body))))).await
}

struct DrainOnDrop(Option<Body>);

impl HttpBody for DrainOnDrop {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(body) = self.0.as_mut() else { return Poll::Ready(None) };
        let polled = Pin::new(body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.0 = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.0.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.0.as_ref().map(Body::size_hint).unwrap_or_else(|| SizeHint::with_exact(0))
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(body) = self.0.take().filter(|body| !body.is_end_stream()) else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(async move {
            let mut drained = 0u64;
            let mut stream = body.into_data_stream();
            let drain = async {
                while let Some(Ok(chunk)) = futures_util::StreamExt::next(&mut stream).await {
                    drained += chunk.len() as u64;
                    if drained > DRAINED_AT_MOST {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain).await;
        });
    }
}
