//! `GET /events/stream`: the account's events as Server-Sent Events, read with
//! `eventsource-stream`. A dropped stream is opened again with `Last-Event-ID` set to the
//! last event seen, so the gateway sends what came since and nothing is missed; the few
//! events it may send twice around the resume point are dropped by id.
//!
//! Every wait is bounded: the answer's head and each read within `idle_timeout` (the
//! gateway's keep-alive comments count), reconnects backing off from `first_retry` to
//! `max_retry` with jitter. A refusal that retrying cannot fix (a bad key, a gateway
//! without the stream) ends the stream with its error.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};
use reqwest::Method;

use super::Event;
use crate::client::Client;
use crate::error::Error;
use crate::retry::jittered;
use crate::transport::Retry;

/// How many recent event ids are remembered to drop repeats after a resume.
const REMEMBERED_IDS: usize = 1024;

/// How an [`EventStream`] connects and reconnects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStreamOptions {
    /// Resume after this event (an id an earlier stream gave).
    pub last_event_id: Option<String>,
    /// Only events of these types or patterns (`message.*`); empty for all.
    pub events: Vec<String>,
    /// The wait before the first reconnect; it doubles for each further one in a row.
    pub first_retry: Duration,
    /// The longest wait between reconnects.
    pub max_retry: Duration,
    /// A stream that sends nothing (not even a keep-alive) for this long is opened again.
    pub idle_timeout: Duration,
}

impl Default for EventStreamOptions {
    fn default() -> Self {
        Self {
            last_event_id: None,
            events: Vec::new(),
            first_retry: Duration::from_millis(500),
            max_retry: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
        }
    }
}

/// What [`EventStream::next`] saw.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamUpdate {
    /// The stream is open; `resumed_after` is the `Last-Event-ID` it was opened with.
    Connected { resumed_after: Option<String> },
    /// Boxed: an event is large next to the other updates.
    Event(Box<Event>),
    /// The stream broke (or could not be opened); the next call waits `retry_in` and
    /// opens it again.
    Disconnected { reason: String, retry_in: Duration },
}

type SseStream = Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, EventStreamError<ReadFailure>>> + Send>>;

/// The account's events, resumed across disconnects. Read it with [`EventStream::next`].
pub struct EventStream {
    client: Client,
    options: EventStreamOptions,
    last_event_id: Option<String>,
    open: Option<SseStream>,
    /// Reconnects in a row without an event, for the backoff.
    failures: u32,
    /// The wait the gateway asked for with `retry:`.
    server_retry: Option<Duration>,
    wait_before_connect: Option<Duration>,
    recent: RecentIds,
}

impl Client {
    /// The account's events as they happen, from `options.last_event_id` on if set.
    /// Nothing is sent until the first [`EventStream::next`].
    pub fn events(&self, options: EventStreamOptions) -> EventStream {
        EventStream {
            client: self.clone(),
            last_event_id: options.last_event_id.clone().filter(|id| !id.is_empty()),
            options,
            open: None,
            failures: 0,
            server_retry: None,
            wait_before_connect: None,
            recent: RecentIds::default(),
        }
    }
}

impl EventStream {
    /// The id of the last event this stream gave, to resume from in another process.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_event_id.as_deref()
    }

    /// The next thing that happened: an event, or the stream opening or breaking.
    ///
    /// Fails only with what reconnecting cannot fix: a 4xx other than 408/429 (an invalid
    /// key, a gateway that has no event stream) or a client that is misconfigured.
    pub async fn next(&mut self) -> Result<StreamUpdate, Error> {
        loop {
            let Some(open) = self.open.as_mut() else {
                if let Some(wait) = self.wait_before_connect.take() {
                    tokio::time::sleep(wait).await;
                }
                let idle = self.options.idle_timeout;
                let Ok(connected) = tokio::time::timeout(idle, self.connect()).await else {
                    let reason = format!("the gateway did not answer within {} s", idle.as_secs());
                    return Ok(self.disconnected(reason, None));
                };
                return match connected {
                    Ok(open) => {
                        self.open = Some(open);
                        Ok(StreamUpdate::Connected { resumed_after: self.last_event_id.clone() })
                    }
                    Err(error) if is_final(&error) => Err(error),
                    Err(error) => {
                        let retry_after = match &error {
                            Error::Gateway(gateway) => gateway.retry_after,
                            Error::Graph(graph) => graph.retry_after,
                            _ => None,
                        };
                        Ok(self.disconnected(error.to_string(), retry_after))
                    }
                };
            };
            let sse = match open.next().await {
                None => return Ok(self.disconnected("the gateway closed the stream".into(), None)),
                Some(Err(error)) => return Ok(self.disconnected(read_failure(error), None)),
                Some(Ok(sse)) => sse,
            };
            if let Some(retry) = sse.retry {
                self.server_retry = Some(retry.min(self.options.max_retry));
            }
            if !sse.id.is_empty() {
                self.last_event_id = Some(sse.id.clone());
                if !self.recent.insert(&sse.id) {
                    continue;
                }
            }
            self.failures = 0;
            match Event::parse(sse.id, sse.data) {
                Ok(event) => return Ok(StreamUpdate::Event(Box::new(event))),
                // Not an event body (a gateway's own notice); the stream goes on.
                Err(_) => continue,
            }
        }
    }

    async fn connect(&self) -> Result<SseStream, Error> {
        let mut url = self.client.control_url(&["events", "stream"]);
        if !self.options.events.is_empty() {
            url.query_pairs_mut().append_pair("events", &self.options.events.join(","));
        }
        let request = || {
            let mut request = self
                .client
                .request(Method::GET, url.clone())
                .header("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache");
            if let Some(id) = &self.last_event_id {
                request = request.header("Last-Event-ID", id);
            }
            request
        };
        let idle = self.options.idle_timeout;
        let response = self.client.execute(Retry::Never, request).await?;
        let bytes = response.bytes_stream();
        // Each read is bounded, so a stream gone quiet without closing is noticed.
        let timed = futures_util::stream::unfold(Some(bytes), move |bytes| async move {
            let mut bytes = bytes?;
            match tokio::time::timeout(idle, bytes.next()).await {
                Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(bytes))),
                Ok(Some(Err(error))) => Some((Err(ReadFailure::Transport(error)), None)),
                Ok(None) => None,
                Err(_) => Some((Err(ReadFailure::Idle(idle)), None)),
            }
        });
        Ok(Box::pin(timed.eventsource()))
    }

    /// Closes the stream and says how long the next call waits before opening it again.
    fn disconnected(&mut self, reason: String, retry_after: Option<Duration>) -> StreamUpdate {
        self.open = None;
        let base = self.server_retry.unwrap_or(self.options.first_retry);
        let backoff = base.saturating_mul(2u32.saturating_pow(self.failures)).min(self.options.max_retry);
        let retry_in =
            retry_after.map_or_else(|| jittered(backoff, rand::random()), |wait| wait.min(Duration::from_secs(60)));
        self.failures = self.failures.saturating_add(1);
        self.wait_before_connect = Some(retry_in);
        StreamUpdate::Disconnected { reason, retry_in }
    }
}

/// A refusal that reconnecting would only repeat.
fn is_final(error: &Error) -> bool {
    match error.status() {
        Some(408 | 429) => false,
        Some(status) => (400..500).contains(&status),
        None => error.is_local(),
    }
}

/// Why reading an open stream failed.
#[derive(Debug)]
enum ReadFailure {
    Transport(reqwest::Error),
    Idle(Duration),
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadFailure::Transport(error) => write!(f, "the stream broke: {error}"),
            ReadFailure::Idle(idle) => write!(f, "nothing arrived for {} s", idle.as_secs()),
        }
    }
}

fn read_failure(error: EventStreamError<ReadFailure>) -> String {
    match error {
        EventStreamError::Transport(failure) => failure.to_string(),
        other => format!("the stream is not Server-Sent Events: {other}"),
    }
}

/// The last [`REMEMBERED_IDS`] event ids, oldest forgotten first.
#[derive(Debug, Default)]
struct RecentIds {
    order: VecDeque<String>,
    seen: HashSet<String>,
}

impl RecentIds {
    /// Remembers `id`; `false` when it was already remembered.
    fn insert(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == REMEMBERED_IDS {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.order.push_back(id.to_owned());
        self.seen.insert(id.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_ids_drop_repeats_and_stay_bounded() {
        let mut recent = RecentIds::default();
        assert!(recent.insert("a"));
        assert!(!recent.insert("a"));
        for n in 0..REMEMBERED_IDS {
            recent.insert(&n.to_string());
        }
        assert_eq!(recent.order.len(), REMEMBERED_IDS);
        assert!(recent.insert("a"), "the oldest id is forgotten");
    }

    #[test]
    fn only_client_errors_that_retrying_cannot_fix_are_final() {
        let answer = |status| Error::from_answer(status, None, None, bytes::Bytes::new());
        assert!(is_final(&answer(401)));
        assert!(is_final(&answer(404)));
        assert!(!is_final(&answer(429)));
        assert!(!is_final(&answer(503)));
        assert!(is_final(&Error::Config("x".into())));
    }
}
