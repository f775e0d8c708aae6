//! Reporting how far an upload or download has come, for progress bars.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;

/// Told about a transfer as it happens. Implementations must be cheap: `advanced` is
/// called for every chunk.
pub trait TransferProgress: Send + Sync {
    /// The transfer begins; `total` is its size when known.
    fn started(&self, total: Option<u64>);
    /// `bytes` more were transferred.
    fn advanced(&self, bytes: u64);
    /// The transfer ended (successfully or not).
    fn finished(&self);
}

/// A byte stream that tells a [`TransferProgress`] about each chunk it yields.
pub(crate) struct CountedStream<S> {
    pub(crate) inner: S,
    pub(crate) progress: Option<Arc<dyn TransferProgress>>,
}

impl<S, E> Stream for CountedStream<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(context);
        if let (Poll::Ready(Some(Ok(chunk))), Some(progress)) = (&polled, &self.progress) {
            progress.advanced(chunk.len() as u64);
        }
        polled
    }
}
