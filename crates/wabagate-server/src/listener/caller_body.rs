//! The caller's request body, as handlers see it: cut when it stops making progress, and with
//! its failures marked as the caller's ([`CallerBodyError`]), so a handler that finds one in
//! an error's sources answers 400 or 408 instead of blaming the upstream.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use prometheus_client::metrics::counter::Counter;
use tokio::time::{Instant, Sleep};

/// Why the caller's request body could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallerBodyError {
    /// No byte arrived for this long.
    #[error("the request body made no progress for {} s", .0.as_secs())]
    Stalled(Duration),
    /// Not valid HTTP framing (e.g. a malformed chunk), or the caller went away mid-body.
    #[error("the request body could not be read: {0}")]
    Unreadable(#[source] hyper::Error),
}

impl CallerBodyError {
    /// The caller's body error among an error's sources, if that is what it was.
    pub(crate) fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        std::iter::successors(Some(error), |error| error.source()).find_map(|error| error.downcast_ref::<Self>())
    }
}

pub(super) struct CallerBody {
    incoming: Incoming,
    timeout: Duration,
    /// Armed while waiting for the next frame; made on the first wait and reset after.
    stall: Option<Pin<Box<Sleep>>>,
    waiting: bool,
    stalls: Counter,
}

impl CallerBody {
    pub(super) fn new(incoming: Incoming, timeout: Duration, stalls: Counter) -> Self {
        Self { incoming, timeout, stall: None, waiting: false, stalls }
    }
}

impl http_body::Body for CallerBody {
    type Data = Bytes;
    type Error = CallerBodyError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.waiting = false;
                return Poll::Ready(frame.map(|frame| frame.map_err(CallerBodyError::Unreadable)));
            }
            Poll::Pending => {}
        }
        let deadline = Instant::now() + this.timeout;
        let stall = this.stall.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !this.waiting {
            stall.as_mut().reset(deadline);
            this.waiting = true;
        }
        match stall.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.stalls.inc();
                tracing::info!(target: "wabagate::connections", timeout_seconds = this.timeout.as_secs(), "a request body stalled; cut it");
                Poll::Ready(Some(Err(CallerBodyError::Stalled(this.timeout))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
