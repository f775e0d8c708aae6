//! Running a sandbox on a listener: [`spawn`] serves in a tokio task and returns a
//! [`SandboxHandle`] that tells where it listens and stops it, saving the state file.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SandboxConfig;
use crate::events::EventBus;
use crate::router::{review_ticker, router};
use crate::seed::DemoBusiness;
use crate::state::SandboxState;

/// How long shutdown waits for open connections to finish before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    state: SandboxState,
    demo: DemoBusiness,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    ticker: JoinHandle<()>,
    deliverer: JoinHandle<()>,
    autosave: Option<JoinHandle<()>>,
}

/// Serves a sandbox on `listener` in a tokio task. Fails if the configured state file
/// exists but cannot be read.
pub async fn spawn(config: SandboxConfig, listener: TcpListener) -> anyhow::Result<SandboxHandle> {
    if let Some(path) = &config.state_file {
        crate::persist::read(path)?;
    }
    let addr = listener.local_addr().context("reading the sandbox's listen address")?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    // The deliverer turns these events into signed webhooks; with no callback URL
    // configured it drops them, as Meta does for an app without one.
    let (events, undelivered) = EventBus::new();
    let delivery = config.webhook_delivery.clone();
    let state = SandboxState::with_config(config, events);
    state.set_public_url(public_url);
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let ticker = tokio::spawn(review_ticker(state.clone()));
    let autosave = state.config().state_file.clone().map(|path| tokio::spawn(autosave(state.clone(), path)));
    let deliverer = crate::webhooks::spawn_deliverer(state.clone(), undelivered, delivery);
    Ok(SandboxHandle {
        addr,
        demo: state.demo().clone(),
        state,
        stop: Some(stop),
        server: Some(server),
        ticker,
        deliverer,
        autosave,
    })
}

/// Writes the state file whenever something changed, every `autosave_interval`. The
/// snapshot is taken and written off the async threads (it may hold large media).
async fn autosave(state: SandboxState, path: std::path::PathBuf) {
    let mut ticks = tokio::time::interval(state.config().autosave_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if !state.take_changed() {
            continue;
        }
        let (state, path) = (state.clone(), path.clone());
        let saved = tokio::task::spawn_blocking(move || {
            let outcome = crate::persist::save(&state, &path);
            if outcome.is_err() {
                // Try again at the next tick rather than lose the change.
                state.mark_changed();
            }
            outcome
        })
        .await;
        match saved {
            Ok(Err(error)) => tracing::error!("saving sandbox state: {error:#}"),
            Err(error) => tracing::error!("saving sandbox state: {error}"),
            Ok(Ok(())) => {}
        }
    }
}

impl SandboxHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: Graph paths are at the root, as on graph.facebook.com.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn demo(&self) -> &DemoBusiness {
        &self.demo
    }

    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// Stops serving (waiting briefly for requests in flight) and saves the state file, if any.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await.is_err() {
                server.abort();
            }
        }
        self.ticker.abort();
        self.deliverer.abort();
        if let Some(autosave) = self.autosave.take() {
            autosave.abort();
        }
        if let Some(path) = &self.state.config().state_file {
            if let Err(error) = crate::persist::save(&self.state, path) {
                tracing::error!("saving sandbox state: {error:#}");
            }
        }
    }
}

impl Drop for SandboxHandle {
    /// A handle dropped without [`SandboxHandle::shutdown`] stops serving at once.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.ticker.abort();
        self.deliverer.abort();
        if let Some(autosave) = self.autosave.take() {
            autosave.abort();
        }
    }
}
