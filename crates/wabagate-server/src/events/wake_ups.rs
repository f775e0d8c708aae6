//! Wakes this instance's delivery worker and event streams when another instance publishes:
//! on PostgreSQL every transaction that publishes events notifies as it commits
//! (`Store::listen_event_notices`), and each notice is passed on as if the event had been
//! published here ([`super::Published`]). The worker's and streams' polls stay as the
//! backstop while the listener reconnects; on SQLite they are all there is.

use std::time::Duration;

use crate::state::AppState;

/// The listener's reconnect back-off: doubling from the first to the last.
const RELISTEN_BACKOFF: (Duration, Duration) = (Duration::from_millis(500), Duration::from_secs(30));

/// Runs until aborted; returns at once on a store that tells nothing.
pub(crate) async fn run(state: AppState) {
    let mut backoff = RELISTEN_BACKOFF.0;
    loop {
        match state.store().listen_event_notices().await {
            Ok(None) => return,
            Ok(Some(mut notices)) => {
                backoff = RELISTEN_BACKOFF.0;
                loop {
                    match notices.next().await {
                        Ok(true) => state.outbound().published(),
                        Ok(false) => {
                            // Whatever was told meanwhile is lost: look now.
                            tracing::warn!("the event listener lost its connection; reconnecting");
                            state.outbound().published();
                        }
                        Err(error) => {
                            tracing::warn!(error = %error, "the event listener failed; the polls cover until it is back");
                            break;
                        }
                    }
                }
            }
            Err(error) => tracing::warn!(error = %error, "listening for published events failed; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(RELISTEN_BACKOFF.1);
    }
}
