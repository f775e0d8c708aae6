//! `GET /events/stream` (API key): the account's events as Server-Sent Events, `id:` being
//! the event's id (the `webhook-id` its deliveries carry, so `wabagate listen` forwards it
//! under the same id), so a client that reconnects with `Last-Event-ID` resumes without a
//! gap (events are kept 3 days; the id is looked up to its place in the log). `?events=message.*,template.*` narrows it. New events are
//! pushed when this process publishes them and found by a poll every second otherwise
//! (another instance's writes); a comment every 15 s keeps proxies from closing it.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use serde::Deserialize;
use uuid::Uuid;
use wabagate_store::StoredEvent;

use super::EVENT_TYPES;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

/// Events read per query.
const PAGE: u32 = 100;
/// How often the log is read without a wake-up.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// After a failed read (the store is down), how long to wait.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// The keep-alive comment's interval.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The longest `Last-Event-ID` looked up (event ids are far shorter).
const MAX_EVENT_ID_LEN: usize = 128;
/// The most patterns `?events=` may name.
const MAX_PATTERNS: usize = 32;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/events/stream", get(stream))
}

#[derive(Deserialize)]
struct StreamQuery {
    events: Option<String>,
}

async fn stream(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let patterns = patterns(query.events)?;
    let after = match headers.get("last-event-id") {
        Some(value) => resume_point(&state, account.account_id, value).await?,
        None => state.store().last_event_seq(account.account_id).await?,
    };
    let cursor = Cursor {
        published: state.outbound().subscribe(),
        state,
        account_id: account.account_id,
        after,
        patterns,
        ready: VecDeque::new(),
    };
    let events = futures_util::stream::unfold(cursor, |mut cursor| async move {
        let event = cursor.next().await;
        Some((Ok(event), cursor))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// Where a stream resumed with `Last-Event-ID: value` starts: after that event of this
/// account's log. Another account's id, a malformed one or one older than the log are all
/// the same refusal, so a guess tells nothing.
async fn resume_point(state: &AppState, account_id: Uuid, value: &axum::http::HeaderValue) -> Result<i64, ApiError> {
    let refused = || {
        ApiError::bad_request(
            "invalid_last_event_id",
            "Last-Event-ID must be the id of an event this stream sent in the last 3 days.",
        )
    };
    let event_id = value.to_str().map(str::trim).map_err(|_| refused())?;
    if event_id.is_empty() || event_id.len() > MAX_EVENT_ID_LEN {
        return Err(refused());
    }
    state.store().event_seq(account_id, event_id).await?.ok_or_else(refused)
}

fn patterns(events: Option<String>) -> Result<Vec<String>, ApiError> {
    let Some(events) = events.filter(|events| !events.is_empty()) else { return Ok(Vec::new()) };
    let patterns: Vec<String> = events.split(',').map(|pattern| pattern.trim().to_owned()).collect();
    if patterns.len() > MAX_PATTERNS {
        return Err(ApiError::bad_request("invalid_events", format!("events names at most {MAX_PATTERNS} patterns.")));
    }
    for pattern in &patterns {
        if !EVENT_TYPES.iter().any(|event_type| wabagate_store::event_type_matches(pattern, event_type)) {
            let shown: String = pattern.chars().take(64).collect();
            return Err(ApiError::bad_request(
                "unknown_event_type",
                format!(
                    "Unknown event type {shown:?}: use one of {}, or a glob such as message.*.",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
    }
    Ok(patterns)
}

/// Where one stream stands in its account's log.
struct Cursor {
    state: AppState,
    account_id: Uuid,
    after: i64,
    patterns: Vec<String>,
    ready: VecDeque<StoredEvent>,
    published: tokio::sync::watch::Receiver<u64>,
}

impl Cursor {
    /// The next event, waiting as long as it takes.
    async fn next(&mut self) -> Event {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Event::default().id(event.event_id).event(event.event_type).data(event.body);
            }
            match self.state.store().events_after(self.account_id, self.after, PAGE).await {
                Ok(events) if !events.is_empty() => {
                    self.after = events.last().map_or(self.after, |last| last.seq);
                    let wanted = |event: &StoredEvent| {
                        self.patterns.is_empty()
                            || self
                                .patterns
                                .iter()
                                .any(|pattern| wabagate_store::event_type_matches(pattern, &event.event_type))
                    };
                    self.ready.extend(events.into_iter().filter(wanted));
                }
                Ok(_) => {
                    tokio::select! {
                        _ = self.published.changed() => {}
                        () = tokio::time::sleep(POLL_INTERVAL) => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %error, "reading events for a stream failed; retrying");
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
        }
    }
}
