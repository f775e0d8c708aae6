//! Forgetting cached keys and connections when the store says they changed: the store bumps
//! its cache revision (triggers on accounts, API keys and connections, whichever process
//! writes), and this task reads it every `cache_check_interval` (250 ms by default) and
//! clears both caches when it moved. That keeps the promise that a key revoked by
//! `wabagate admin` stops working within a second, while an unchanged entry is never asked
//! of the store again: with 100,000 accounts in turn, requests stay cache hits.
//!
//! A change clears every entry (the revision does not say which one changed); the misses that
//! follow are coalesced per key, and changes to keys and connections are rare next to requests.

use crate::state::AppState;

/// Runs until aborted.
pub(crate) async fn watch(state: AppState) {
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
