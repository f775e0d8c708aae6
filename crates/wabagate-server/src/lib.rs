//! wabagate's HTTP server: the control API (`/connections`), the authenticated streaming
//! gateway (`/whatsapp-business/…`), health and metrics.
//!
//! [`App::bind`] binds the listener first and reports its address, [`App::serve`] serves
//! until a shutdown future resolves: the seam tests and the binary share.
//!
//! Module map: [`state`] (what handlers share), [`auth`] (API key extractor), [`gateway`]
//! (the proxy), [`control`] (connections API), [`observe`] (request id, metrics, access log),
//! [`error`] (the one error type and its body), [`connect`] (the browser connect flow),
//! [`expiry`] (connections whose token Meta stopped honouring), [`graph`] and [`discovery`]
//! (the gateway's own Graph calls), [`listener`] (accepting and timing out client connections),
//! [`inbound`] (Meta's webhooks, the message ledger and its API), [`ledger_writer`] (what the
//! hot path hands the ledger, written off the request's path), [`events`] (outbound events:
//! subscriptions, deliveries, the event stream), [`clock`] (the seam "now" comes through),
//! [`global_limit`] (the rate limit the routes call: local, or shared through Redis).

mod auth;
mod cache;
pub mod clock;
pub mod config;
mod connect;
pub mod control;
pub mod discovery;
pub mod error;
pub mod events;
mod expiry;
mod gateway;
mod global_limit;
pub mod graph;
mod health;
pub mod inbound;
mod ledger_writer;
mod listener;
mod metrics;
mod observe;
pub mod openapi;
mod rate_limit;
pub mod state;
mod upstream;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::routing::get;
use tokio::net::TcpListener;

pub use config::ServerConfig;
pub use error::ApiError;
pub use state::AppState;

/// The whole HTTP surface of the gateway.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(control::router())
        .merge(gateway::router())
        .merge(connect::router())
        .merge(inbound::router())
        .merge(events::router())
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(openapi::describe))
        .fallback(|| async { ApiError::UnknownRoute })
        // Outermost, so every answer (errors and the fallback included) gets a request id,
        // a metric and a log line.
        .layer(middleware::from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// A bound, not yet serving, gateway.
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Binds `listen` (port 0 picks a free port).
    pub async fn bind(listen: SocketAddr, state: AppState) -> std::io::Result<Self> {
        Ok(Self::new(TcpListener::bind(listen).await?, state))
    }

    /// Serves on a listener bound by the caller (who may need its address first, e.g. for
    /// the public URL).
    pub fn new(listener: TcpListener, state: AppState) -> Self {
        Self { listener, state }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting, gives requests in flight the
    /// configured grace to finish, and closes the store.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let state = self.state;
        let grace = state.config().shutdown_grace;
        let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stopping_tx.send(true);
        });
        let forget_idle = tokio::spawn(forget_idle_rate_limits(state.clone()));
        let redis_watch = tokio::spawn({
            let state = state.clone();
            async move { state.rate_limit().watch().await }
        });
        let expiry_watch = tokio::spawn(expiry::watch(state.clone()));
        let webhook_processor = tokio::spawn(inbound::process(state.clone()));
        let event_delivery = tokio::spawn(events::deliver(state.clone()));
        let cache_invalidation = tokio::spawn(cache::invalidation::watch(state.clone()));
        // The writer stops once no request can queue anything more: after the connections.
        let (connections_done, writer_may_stop) = tokio::sync::oneshot::channel::<()>();
        let ledger_writer = state.take_ledger_queue().map(|queue| {
            tokio::spawn(ledger_writer::run(state.clone(), queue, async move {
                let _ = writer_may_stop.await;
            }))
        });

        let mut graceful = stopping.clone();
        let server = listener::serve(
            self.listener,
            router(state.clone()),
            state.config().connections,
            state.metrics(),
            async move {
                let _ = graceful.wait_for(|stopping| *stopping).await;
            },
        );
        let mut deadline = stopping;
        tokio::select! {
            () = server => {}
            () = async move {
                let _ = deadline.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!(grace_seconds = grace.as_secs(), "requests still in flight after the shutdown grace; closing");
            }
        }
        forget_idle.abort();
        redis_watch.abort();
        expiry_watch.abort();
        webhook_processor.abort();
        event_delivery.abort();
        cache_invalidation.abort();
        // The sends answered so far are written before the store closes.
        let _ = connections_done.send(());
        if let Some(writer) = ledger_writer {
            if tokio::time::timeout(LEDGER_DRAIN_WAIT, writer).await.is_err() {
                tracing::warn!("the ledger writer did not finish writing in time; some sends are not recorded");
            }
        }
        state.store().close().await;
        Ok(())
    }
}

/// How long the ledger writer may take, at shutdown, to write what is queued.
const LEDGER_DRAIN_WAIT: Duration = Duration::from_secs(10);

async fn forget_idle_rate_limits(state: AppState) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        state.rate_limit().forget_idle_accounts();
    }
}
