//! The delivery worker: claims due deliveries from the outbox with a lease, attempts each
//! (signed, to a checked address, within 15 s), and records the outcome, conditional on
//! its lease. A row held by a killed process is due again when its lease ends, so every
//! event arrives at least once, and every copy carries the same `webhook-id`.
//!
//! It wakes when events are published in this process and polls every half second, which
//! is how it sees another instance's writes and a test's jump of the clock.
//!
//! A finished attempt hands its slot to its endpoint's next due delivery, claimed in the
//! transaction that records the outcome (`Store::finish_and_take_next`), while the process
//! has other slots free: a busy endpoint is then one commit per delivery and never waits
//! for the claim loop. When every slot is taken, a finished attempt gives its slot back to
//! the claim loop instead, which takes the oldest due deliveries of all endpoints, so a busy
//! endpoint cannot keep the process from the others.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wabagate_store::{AttemptOutcome, AttemptRecord, ClaimedDelivery, Finished, Timestamp};

use super::destination::{self, DestinationPolicy};
use super::metrics::{Outcome, OutcomeLabels};
use super::{api::micros, schedule, signing};
use crate::state::AppState;

/// One attempt, from connect to the last byte read.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claim holds a row: well past an attempt, so only a dead worker loses one.
pub(crate) const LEASE: Duration = Duration::from_secs(60);
/// Deliveries in flight per endpoint (across instances: the claim counts every lease).
pub(crate) const PER_ENDPOINT: u32 = 4;
/// Deliveries in flight in this process.
const IN_FLIGHT: usize = 32;
/// How often the outbox is polled without a wake-up.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// After a failed claim (the store is down), how long to wait.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// How often the outbox metrics are read, and old rows deleted.
const METRICS_INTERVAL: Duration = Duration::from_secs(5);
const RETENTION_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// How much of an endpoint's answer is kept in the delivery log.
const RESPONSE_KEPT: usize = 1024;

/// Runs until aborted.
pub(crate) async fn run(state: AppState) {
    let client = match delivery_client(state.config().outbound) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error, "the webhook delivery client could not be built; outbound webhooks are off");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut published = state.outbound().subscribe();
    let mut last_metrics: Option<tokio::time::Instant> = None;
    let mut last_cleanup: Option<tokio::time::Instant> = None;
    loop {
        let free = u32::try_from(slots.available_permits()).unwrap_or(0);
        if free > 0 {
            match state.store().claim_deliveries(state.now(), LEASE, PER_ENDPOINT, free).await {
                Ok(claimed) => {
                    for delivery in claimed {
                        let Ok(slot) = slots.clone().try_acquire_owned() else { break };
                        tokio::spawn(deliver(state.clone(), client.clone(), delivery, slot, slots.clone()));
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %error, "claiming webhook deliveries failed; retrying");
                    tokio::time::sleep(RETRY_AFTER).await;
                    continue;
                }
            }
        }
        if last_metrics.is_none_or(|at| at.elapsed() >= METRICS_INTERVAL) {
            last_metrics = Some(tokio::time::Instant::now());
            if let Ok(counts) = state.store().outbox_counts().await {
                state.outbox_metrics().observe(&counts, state.now());
            }
        }
        if last_cleanup.is_none_or(|at| at.elapsed() >= RETENTION_INTERVAL) {
            last_cleanup = Some(tokio::time::Instant::now());
            match state.store().forget_old_events(state.now()).await {
                Ok(0) => {}
                Ok(forgotten) => tracing::info!(forgotten, "deleted old events, deliveries and attempts"),
                Err(error) => tracing::warn!(error = %error, "deleting old events failed"),
            }
        }
        tokio::select! {
            _ = published.changed() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}

/// The client of every delivery: no redirects, no proxy, no pooled connections (so each
/// attempt resolves once, through the guard, and connects to what it allowed).
fn delivery_client(policy: DestinationPolicy) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .pool_max_idle_per_host(0)
        .dns_resolver(destination::resolver(policy))
        .connect_timeout(Duration::from_secs(5))
        .timeout(ATTEMPT_TIMEOUT)
        .user_agent(concat!("wabagate-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// What an endpoint answered, or why it could not.
struct Answer {
    status: Option<u16>,
    retry_after: Option<Duration>,
    body: Option<String>,
    error: Option<String>,
}

/// Attempts `delivery`, then the deliveries handed to its slot, until none is.
async fn deliver(
    state: AppState,
    client: reqwest::Client,
    mut delivery: ClaimedDelivery,
    _slot: OwnedSemaphorePermit,
    slots: Arc<Semaphore>,
) {
    loop {
        let (record, outcome) = attempt(&state, &client, &delivery).await;
        // Only while the process has room: a full process lets the claim loop choose.
        let finished = if slots.available_permits() > 0 {
            state.store().finish_and_take_next(&delivery, &record, outcome, state.now(), LEASE).await
        } else {
            state
                .store()
                .finish_delivery(&delivery, &record, outcome, state.now())
                .await
                .map(|recorded| Finished { recorded, next: None })
        };
        match finished {
            Ok(Finished { recorded: true, next: Some(next) }) => {
                delivery = next;
                continue;
            }
            Ok(Finished { recorded: true, next: None }) => {}
            Ok(Finished { recorded: false, .. }) => {
                tracing::info!(delivery_id = %delivery.delivery_id, "a delivery's lease ended during its attempt; another claim owns it")
            }
            Err(error) => {
                tracing::warn!(delivery_id = %delivery.delivery_id, error = %error, "recording a delivery attempt failed; it is due again when its lease ends")
            }
        }
        break;
    }
    // A slot is free: claim the next due delivery without waiting for the poll.
    state.outbound().published();
}

/// One attempt of `delivery`: what it saw, and where the delivery goes next.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    delivery: &ClaimedDelivery,
) -> (AttemptRecord, AttemptOutcome) {
    let attempted_at = state.now();
    let started = tokio::time::Instant::now();
    let answer = send(state, client, delivery, attempted_at).await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let outcome = match answer.status {
        Some(status) if (200..300).contains(&status) => AttemptOutcome::Delivered,
        Some(410) => AttemptOutcome::Gone,
        _ => match schedule::retry_delay(delivery.attempt, answer.retry_after, &mut rand::thread_rng()) {
            Some(delay) => {
                let now = state.now();
                AttemptOutcome::RetryAt(Timestamp::from_unix_micros(now.unix_micros().saturating_add(micros(delay))))
            }
            None => AttemptOutcome::Dead,
        },
    };
    let record = AttemptRecord {
        attempted_at,
        http_status: answer.status,
        duration_ms,
        error: answer.error,
        response_body: answer.body,
    };
    let label = match outcome {
        AttemptOutcome::Delivered => Outcome::delivered,
        AttemptOutcome::RetryAt(_) => Outcome::failed,
        AttemptOutcome::Dead => Outcome::dead,
        AttemptOutcome::Gone => Outcome::gone,
    };
    state.outbox_metrics().attempts.get_or_create(&OutcomeLabels { outcome: label }).inc();
    (record, outcome)
}

async fn send(state: &AppState, client: &reqwest::Client, delivery: &ClaimedDelivery, now: Timestamp) -> Answer {
    let failed = |error: String| Answer { status: None, retry_after: None, body: None, error: Some(error) };
    let url = match state.config().outbound.check_url(&delivery.url) {
        Ok(url) => url,
        Err(refusal) => return failed(format!("the URL is refused: {refusal}")),
    };
    let secrets = match state.store().signing_secrets(delivery.subscription_id, now).await {
        Ok(secrets) => secrets,
        Err(error) => return failed(format!("the signing secret could not be opened: {error}")),
    };
    let mut live = vec![&secrets.current];
    live.extend(secrets.previous.as_ref());
    // The receiver checks the timestamp against its own clock: always the wall clock.
    let timestamp = Timestamp::now().unix_micros() / 1_000_000;
    let headers = match signing::headers(&live, &delivery.event_id, timestamp, delivery.body.as_bytes()) {
        Ok(headers) => headers,
        Err(error) => return failed(error.to_string()),
    };
    let response = match client.post(url).headers(headers).body(delivery.body.clone()).send().await {
        Ok(response) => response,
        Err(error) => return failed(describe(&error)),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let (body, error) = read_start(response).await;
    Answer { status: Some(status), retry_after, body: Some(body), error }
}

/// The first [`RESPONSE_KEPT`] bytes of an answer (as text), within the attempt's timeout.
async fn read_start(mut response: reqwest::Response) -> (String, Option<String>) {
    let mut kept = Vec::new();
    let mut error = None;
    while kept.len() < RESPONSE_KEPT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(failure) => {
                error = Some(describe(&failure));
                break;
            }
        }
    }
    kept.truncate(RESPONSE_KEPT);
    (String::from_utf8_lossy(&kept).into_owned(), error)
}

/// A transport failure in words, without the URL (whose query may hold the receiver's own
/// token).
fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut text = kind.to_owned();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(512).collect()
}
