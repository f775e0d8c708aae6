//! Forgetting cached keys and connections when the store says they changed: the store bumps
//! its cache revision (triggers on accounts, API keys and connections, whichever process
//! writes), and this task reads it every `cache_check_interval` (250 ms by default) and
//! clears both caches when it moved. That keeps the promise that a key revoked by
//! `wabagate admin` stops working within a second, while an unchanged entry is never asked
//! of the store again: with 100,000 accounts in turn, requests stay cache hits.
//!
//! A change clears every entry (the revision does not say which one changed); the misses that
//! follow are coalesced per key, and changes to keys and connections are rare next to requests.
//!
//! On PostgreSQL, where many instances share the store, the same triggers also notify each
//! change as it commits (`Store::listen_cache_changes`): every instance clears at once, by
//! notification rather than a short TTL, so an account that sends once a minute is still
//! served from the cache. The poll stays as the backstop for a listener that is reconnecting;
//! a lost listener clears the caches too, since it may have missed a change.

use std::time::Duration;

use crate::state::AppState;

/// The listener's reconnect back-off: doubling from the first to the last.
const RELISTEN_BACKOFF: (Duration, Duration) = (Duration::from_millis(500), Duration::from_secs(30));

/// Runs until aborted.
pub(crate) async fn watch(state: AppState) {
    tokio::join!(poll(state.clone()), listen(state));
}

/// Clears the caches as each change is told; returns at once on a store that tells none.
async fn listen(state: AppState) {
    let mut backoff = RELISTEN_BACKOFF.0;
    loop {
        match state.store().listen_cache_changes().await {
            Ok(None) => return,
            Ok(Some(mut changes)) => {
                backoff = RELISTEN_BACKOFF.0;
                // What changed while nobody listened is unknown: forget it all.
                state.forget_cached_keys_and_connections();
                loop {
                    match changes.changed().await {
                        Ok(true) => state.forget_cached_keys_and_connections(),
                        Ok(false) => {
                            tracing::warn!("the cache-change listener lost its connection; reconnecting");
                            state.forget_cached_keys_and_connections();
                        }
                        Err(error) => {
                            tracing::warn!(error = %error, "the cache-change listener failed; the poll covers until it is back");
                            state.forget_cached_keys_and_connections();
                            break;
                        }
                    }
                }
            }
            Err(error) => tracing::warn!(error = %error, "listening for cache changes failed; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(RELISTEN_BACKOFF.1);
    }
}

/// Reads the revision every `cache_check_interval` and clears the caches when it moved.
async fn poll(state: AppState) {
    let mut every = tokio::time::interval(state.config().cache_check_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut known = None;
    loop {
        every.tick().await;
        match state.store().cache_revision().await {
            Ok(revision) => {
                if known.is_some_and(|known| known != revision) {
                    state.forget_cached_keys_and_connections();
                }
                known = Some(revision);
            }
            Err(error) => {
                // Unknown is changed: serving stale entries while the store cannot say is
                // worse than asking it again.
                tracing::warn!(error = %error, "reading the cache revision failed; forgetting the caches");
                state.forget_cached_keys_and_connections();
                known = None;
            }
        }
    }
}
