//! The accept loop and the HTTP/1 connections, served with hyper directly because
//! `axum::serve` exposes no timeouts and no connection cap.
//!
//! What a hostile or broken client can hold is bounded here:
//! - a request head must arrive within `header_read_timeout` (from the connection's start, or
//!   from the first byte of a keep-alive connection's next request);
//! - an idle keep-alive connection is closed after `keep_alive_timeout`;
//! - a request body that goes `body_progress_timeout` without a byte is cut
//!   ([`caller_body`]), so the handler answers 408;
//! - at `max_connections`, the longest-open idle connection is closed to make room for a new
//!   one, and a new one is refused only when every connection is busy.
//!
//! Each of them logs a line (target `wabagate::connections`) and counts in
//! `wabagate_connection_limit_actions_total{action}`.
//!
//! On shutdown the loop stops accepting, asks every connection to close once its request in
//! flight is answered, and returns when all have closed.

pub(crate) mod caller_body;
mod connection;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use self::caller_body::CallerBody;
use self::connection::{Activity, BusyBody, WatchedStream};
use crate::config::ConnectionLimits;
use crate::metrics::{LimitAction, LimitActionLabels, Metrics};

/// After a failed accept (e.g. out of file descriptors), wait this long before the next try,
/// rather than spinning on an error that persists.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// What every connection task shares.
struct Shared {
    router: Router,
    limits: ConnectionLimits,
    open: OpenConnections,
    limit_actions: Family<LimitActionLabels, Counter>,
    open_connections: Gauge,
    body_stalls: Counter,
}

impl Shared {
    fn limit_acted(&self, action: LimitAction) {
        self.limit_actions.get_or_create(&LimitActionLabels { action }).inc();
    }
}

/// Serves `router` on `listener` until `shutdown` resolves and every connection has closed.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()>,
) {
    let shared = Arc::new(Shared {
        router,
        limits,
        open: OpenConnections::default(),
        limit_actions: metrics.limit_actions.clone(),
        open_connections: metrics.open_connections.clone(),
        body_stalls: metrics
            .limit_actions
            .get_or_create(&LimitActionLabels { action: LimitAction::body_progress_timeout })
            .clone(),
    });
    let connections = TaskTracker::new();
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(target: "wabagate::connections", error = %error, "accepting a connection failed");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let Some(activity) = shared.open.admit(&shared, peer) else { continue };
        connections.spawn(serve_connection(shared.clone(), stream, peer, activity, stopping.clone()));
    }
    drop(listener);
    let _ = stopping_tx.send(true);
    connections.close();
    connections.wait().await;
}

/// One connection, from accept to close.
async fn serve_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    activity: Arc<Activity>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(WatchedStream::new(stream, activity.clone()));
    let service = {
        let shared = shared.clone();
        let activity = activity.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = activity.busy();
            let request = request.map(|body| {
                Body::new(CallerBody::new(body, shared.limits.body_progress_timeout, shared.body_stalls.clone()))
            });
            let router = shared.router.clone();
            async move {
                let response = router.oneshot(request).await.unwrap_or_else(|never: Infallible| match never {});
                Ok::<_, Infallible>(response.map(|body| Body::new(BusyBody::new(body, busy))))
            }
        })
    };
    // hyper's own header read timeout would also cut idle keep-alive connections; ours tells
    // the two apart, so hyper's stays off.
    let connection = hyper::server::conn::http1::Builder::new().header_read_timeout(None).serve_connection(io, service);
    tokio::pin!(connection);
    let outstayed = activity.outstayed(shared.limits);
    tokio::pin!(outstayed);
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(target: "wabagate::connections", %peer, error = %error, "connection ended with an error");
                }
                break;
            }
            action = &mut outstayed => {
                shared.limit_acted(action);
                tracing::info!(target: "wabagate::connections", %peer, ?action, "closing a client connection");
                break;
            }
            Ok(()) = stopping.changed(), if !*stopping.borrow() => connection.as_mut().graceful_shutdown(),
        }
    }
    shared.open.remove(&shared, activity.id());
}

/// The open connections, oldest first, so the cap sheds the longest-open idle one.
#[derive(Default)]
struct OpenConnections {
    by_id: Mutex<BTreeMap<u64, Arc<Activity>>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl OpenConnections {
    /// Registers a new connection, making room under the cap if needed; `None` if there is no
    /// room (the caller drops the stream, closing it).
    fn admit(&self, shared: &Shared, peer: SocketAddr) -> Option<Arc<Activity>> {
        let mut by_id = self.by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if by_id.len() >= shared.limits.max_connections {
            // The shed connection leaves the map a moment later, when its task notices.
            if by_id.values().any(|open| open.shed_if_idle()) {
                shared.limit_acted(LimitAction::shed_idle);
                tracing::info!(target: "wabagate::connections", "at the connection cap; closed an idle connection");
            } else {
                shared.limit_acted(LimitAction::refused);
                tracing::warn!(target: "wabagate::connections", %peer, "at the connection cap with every connection busy; refused a connection");
                return None;
            }
        }
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let activity = Arc::new(Activity::new(id));
        by_id.insert(id, activity.clone());
        shared.open_connections.inc();
        Some(activity)
    }

    fn remove(&self, shared: &Shared, id: u64) {
        let mut by_id = self.by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if by_id.remove(&id).is_some() {
            shared.open_connections.dec();
        }
    }
}
