//! Upstream connections that keep reading after the upstream stopped reading.
//!
//! An upstream may answer before it has read the request body (Meta refusing an upload for
//! an unknown phone number) and close. hyper's client then fails on the next body write
//! (`EPIPE`, `ECONNRESET`) and drops the connection with the answer unread in the socket, so
//! the caller would get a 502 instead of the upstream's 400. Here such a write error ends
//! writing instead: later writes are accepted and discarded, hyper goes on to read, and the
//! answer reaches the caller. A connection whose peer closed is never reused: its next read
//! sees the close.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::TryFutureExt;
use futures_util::future::MapOk;
use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};

/// A connector whose connections survive the upstream closing early (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct EarlyAnswers<C>(pub(crate) C);

impl<C> tower::Service<Uri> for EarlyAnswers<C>
where
    C: tower::Service<Uri>,
{
    type Response = StopWritingOnClose<C::Response>;
    type Error = C::Error;
    type Future = MapOk<C::Future, fn(C::Response) -> StopWritingOnClose<C::Response>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        self.0.call(uri).map_ok(|io| StopWritingOnClose { io, peer_closed: false })
    }
}

#[derive(Debug)]
pub(crate) struct StopWritingOnClose<T> {
    io: T,
    /// The upstream stopped reading: what is written from now on goes nowhere.
    peer_closed: bool,
}

impl<T> StopWritingOnClose<T> {
    /// Turns "the upstream stopped reading" into the end of writing; other results pass.
    fn absorb<V>(&mut self, polled: Poll<io::Result<V>>, written: V) -> Poll<io::Result<V>> {
        match polled {
            Poll::Ready(Err(error))
                if matches!(error.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) =>
            {
                tracing::debug!(error = %error, "the upstream stopped reading the request; reading its answer");
                self.peer_closed = true;
                Poll::Ready(Ok(written))
            }
            other => other,
        }
    }
}

impl<T: Read + Unpin> Read for StopWritingOnClose<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for StopWritingOnClose<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.peer_closed {
            return Poll::Ready(Ok(buf.len()));
        }
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.absorb(polled, buf.len())
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let length = bufs.iter().map(|buf| buf.len()).sum();
        if self.peer_closed {
            return Poll::Ready(Ok(length));
        }
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.absorb(polled, length)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.peer_closed {
            return Poll::Ready(Ok(()));
        }
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.absorb(polled, ())
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.peer_closed {
            return Poll::Ready(Ok(()));
        }
        let polled = Pin::new(&mut self.io).poll_shutdown(cx);
        self.absorb(polled, ())
    }
}

impl<T: Connection> Connection for StopWritingOnClose<T> {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}
