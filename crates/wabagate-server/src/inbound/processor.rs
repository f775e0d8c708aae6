//! The webhook processor: applies stored bodies in arrival order, each in one transaction
//! that also marks it processed, so a `kill -9` at any moment loses nothing and applies
//! nothing twice. It wakes when the intake stores a body, and polls as well, which is how
//! bodies stored before a restart (or by another process) are picked up.

use std::time::Duration;

use wabagate_model::webhook::Notification;
use wabagate_store::{StoreResult, StoredBody, Timestamp};

use super::{apply, media_cache};
use crate::state::AppState;

/// Bodies read per round trip to the store.
const BATCH: u32 = 64;
/// How often the store is checked without a wake-up.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// After a failed round (the store is down), how long to wait before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// Meta redelivers for up to 7 days; raw bodies are kept as long.
pub(crate) const BODY_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How often old bodies are deleted.
const RETENTION_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Runs until aborted.
pub(crate) async fn run(state: AppState) {
    let mut last_cleanup: Option<tokio::time::Instant> = None;
    loop {
        match process_pending(&state).await {
            Ok(BATCH) => continue,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error, "applying webhook bodies failed; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        }
        if last_cleanup.is_none_or(|at| at.elapsed() >= RETENTION_INTERVAL) {
            last_cleanup = Some(tokio::time::Instant::now());
            forget_old_bodies(&state).await;
            media_cache::forget_old(&state).await;
        }
        tokio::select! {
            () = state.webhook_stored().notified() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// Applies up to one batch of pending bodies; returns how many were read.
async fn process_pending(state: &AppState) -> StoreResult<u32> {
    let pending = state.store().pending_webhook_bodies(BATCH).await?;
    let count = u32::try_from(pending.len()).unwrap_or(BATCH);
    for body in pending {
        apply_body(state, body).await?;
    }
    Ok(count)
}

async fn apply_body(state: &AppState, body: StoredBody) -> StoreResult<()> {
    let now = state.now();
    let Some(mut batch) = state.store().begin_webhook_body(&body, now).await? else { return Ok(()) };
    match Notification::parse(&body.body) {
        Ok(notification) => {
            let applied = apply::notification(&mut batch, &notification, now).await?;
            batch.finish(now, None).await?;
            state.outbound().published();
            for account_id in applied.touched {
                state.forget_connections(account_id);
            }
            for window in applied.windows {
                state.window_opened(window.phone_number_id, window.wa_id, window.last_inbound_unix).await;
            }
            for media in applied.media {
                tokio::spawn(media_cache::fill(state.clone(), media));
            }
        }
        Err(error) => {
            tracing::warn!(body_id = body.body_id, error = %error, "a signed webhook body is not a notification; kept as is");
            batch.finish(now, Some(&error.to_string())).await?;
        }
    }
    Ok(())
}

async fn forget_old_bodies(state: &AppState) {
    let micros = i64::try_from(BODY_RETENTION.as_micros()).unwrap_or(i64::MAX);
    let before = Timestamp::from_unix_micros(state.now().unix_micros().saturating_sub(micros));
    match state.store().forget_webhook_bodies_before(before).await {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "deleted webhook bodies older than 7 days"),
        Err(error) => tracing::warn!(error = %error, "deleting old webhook bodies failed"),
    }
}
