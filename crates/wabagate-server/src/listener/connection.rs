//! What one client connection is doing, and the watchdog that closes it when it has waited
//! too long in the state it is in.
//!
//! A connection is always in one phase: reading a request head (from its start, or from the
//! first byte of its next request), busy (a request is being answered, up to the last byte of
//! the response body), idle between keep-alive requests, or shed by the connection cap. The
//! stream wrapper notices the first byte of a head, the service notices a request arriving,
//! and the response body notices its end; the watchdog ([`Activity::outstayed`]) sleeps on
//! the phase's limit and wakes on every change.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::config::ConnectionLimits;
use crate::metrics::LimitAction;

const READING_HEAD: u8 = 0;
const BUSY: u8 = 1;
const KEEP_ALIVE: u8 = 2;
const SHED: u8 = 3;

#[derive(Debug)]
pub(super) struct Activity {
    id: u64,
    phase: AtomicU8,
    /// Wakes the watchdog on every phase change. `notify_one` keeps a permit when the
    /// watchdog is not waiting yet, so no change is missed.
    changed: Notify,
}

impl Activity {
    /// A new connection, waiting for its first request head.
    pub(super) fn new(id: u64) -> Self {
        Self { id, phase: AtomicU8::new(READING_HEAD), changed: Notify::new() }
    }

    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// A request has arrived; the connection is busy until the returned guard drops.
    pub(super) fn busy(self: &Arc<Self>) -> BusyGuard {
        // A connection already shed stays shed: its watchdog is closing it.
        let _ = self.phase.fetch_update(Ordering::AcqRel, Ordering::Acquire, |phase| (phase != SHED).then_some(BUSY));
        self.changed.notify_one();
        BusyGuard(self.clone())
    }

    /// Marks an idle connection (reading a head or between requests) to be closed, for the
    /// connection cap; a busy one is left alone.
    pub(super) fn shed_if_idle(&self) -> bool {
        let shed = self
            .phase
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |phase| {
                matches!(phase, READING_HEAD | KEEP_ALIVE).then_some(SHED)
            })
            .is_ok();
        if shed {
            self.changed.notify_one();
        }
        shed
    }

    fn set_if(&self, from: u8, to: u8) {
        if self.phase.compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            self.changed.notify_one();
        }
    }

    /// Resolves once the connection has spent longer than allowed in one phase (or was shed),
    /// naming what acted. Never resolves while the connection is busy.
    pub(super) async fn outstayed(&self, limits: ConnectionLimits) -> LimitAction {
        loop {
            let changed = self.changed.notified();
            let limit = match self.phase.load(Ordering::Acquire) {
                READING_HEAD => Some((limits.header_read_timeout, LimitAction::header_timeout)),
                KEEP_ALIVE => Some((limits.keep_alive_timeout, LimitAction::keep_alive_timeout)),
                SHED => return LimitAction::shed_idle,
                _ => None,
            };
            match limit {
                Some((timeout, action)) => {
                    if tokio::time::timeout(timeout, changed).await.is_err() {
                        return action;
                    }
                }
                None => changed.await,
            }
        }
    }
}

/// Held from a request's arrival to the end of its response body.
#[derive(Debug)]
pub(super) struct BusyGuard(Arc<Activity>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.set_if(BUSY, KEEP_ALIVE);
    }
}

/// A response body that keeps its connection busy until it is sent (or dropped).
pub(super) struct BusyBody {
    body: Body,
    _busy: BusyGuard,
}

impl BusyBody {
    pub(super) fn new(body: Body, busy: BusyGuard) -> Self {
        Self { body, _busy: busy }
    }
}

impl http_body::Body for BusyBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The client's TCP stream, noticing the first byte of a keep-alive connection's next request.
pub(super) struct WatchedStream {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl WatchedStream {
    pub(super) fn new(stream: TcpStream, activity: Arc<Activity>) -> Self {
        Self { stream, activity }
    }
}

impl AsyncRead for WatchedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.set_if(KEEP_ALIVE, READING_HEAD);
        }
        polled
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
