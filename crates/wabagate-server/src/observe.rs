//! Observing each request: its id, its metrics and its one access log line.
//!
//! The request id is taken from `X-Request-Id` when the client sent a sane one and made up
//! otherwise ([`new_request_id`]: UUID-shaped, a random per-process half and a counter, so
//! no `getrandom()` per request); it is echoed on every response. Handlers note the account and connection a
//! request used in an [`AccessNote`]; the log line names them, the route template, the
//! status and the latency: never a header, a body or a secret.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use crate::error::InternalCause;
use crate::metrics::{RequestLabels, method_label};
use crate::state::AppState;

pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What a handler learned about a request that its log line should name.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessNote(Arc<Mutex<AccessFields>>);

#[derive(Debug, Default, Clone, Copy)]
struct AccessFields {
    account_id: Option<Uuid>,
    connection_id: Option<Uuid>,
    upstream_status: Option<u16>,
}

impl AccessNote {
    pub(crate) fn set_account(&self, account_id: Uuid) {
        self.update(|fields| fields.account_id = Some(account_id));
    }

    pub(crate) fn set_connection(&self, connection_id: Uuid) {
        self.update(|fields| fields.connection_id = Some(connection_id));
    }

    pub(crate) fn set_upstream_status(&self, status: u16) {
        self.update(|fields| fields.upstream_status = Some(status));
    }

    fn update(&self, change: impl FnOnce(&mut AccessFields)) {
        change(&mut self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    }

    fn fields(&self) -> AccessFields {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The middleware: wraps every route, the fallback included.
pub(crate) async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|value| is_sane_request_id(value))
        .cloned()
        .unwrap_or_else(new_request_id);
    request.headers_mut().insert(X_REQUEST_ID.clone(), request_id.clone());
    let note = AccessNote::default();
    request.extensions_mut().insert(note.clone());
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |path| path.as_str()).to_owned();
    let method = request.method().clone();
    let method_label = method_label(&method);

    let in_flight = InFlight::enter(&state.metrics().hot.in_flight);
    let mut response = next.run(request).await;
    drop(in_flight);
    state.metrics().hot.request_duration.observe(started.elapsed().as_secs_f64());

    let status = response.status().as_u16();
    response.headers_mut().insert(X_REQUEST_ID.clone(), request_id.clone());
    state.metrics().requests.get_or_create(&RequestLabels { route: route.clone(), method: method_label, status }).inc();

    let fields = note.fields();
    let latency_ms = format_args!("{:.3}", started.elapsed().as_secs_f64() * 1000.0);
    let request_id = request_id.to_str().unwrap_or_default();
    let method = loggable_method(&method);
    let account_id = fields.account_id.map(tracing::field::display);
    let connection_id = fields.connection_id.map(tracing::field::display);
    match response.extensions().get::<InternalCause>() {
        Some(InternalCause(cause)) => tracing::error!(
            target: "wabagate::access",
            request_id, %method, route, status, account_id, connection_id, %latency_ms, cause = %cause,
            "request failed"
        ),
        None => tracing::info!(
            target: "wabagate::access",
            request_id, %method, route, status, account_id, connection_id,
            upstream_status = fields.upstream_status, %latency_ms,
            "request"
        ),
    }
    response
}

/// Counts a request in flight until dropped, also when the client goes away mid-request
/// (which drops the handler's future).
struct InFlight<'a>(&'a prometheus_client::metrics::gauge::Gauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a prometheus_client::metrics::gauge::Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A request id that is unique without asking the OS for randomness each time: the first
/// half is random once per process, the second counts requests. Shaped as a UUID, as the
/// hosted product's ids are.
fn new_request_id() -> HeaderValue {
    static PROCESS: LazyLock<u64> = LazyLock::new(|| Uuid::new_v4().as_u64_pair().0);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let id = Uuid::from_u64_pair(*PROCESS, COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut text = Uuid::encode_buffer();
    HeaderValue::from_str(id.hyphenated().encode_lower(&mut text)).expect("a UUID is a valid header value")
}

/// The method as sent, cut to a length no real method needs (methods are tokens, so they
/// hold no line breaks to forge log lines with).
fn loggable_method(method: &Method) -> &str {
    const LONGEST_LOGGED: usize = 24;
    let method = method.as_str();
    method.get(..LONGEST_LOGGED).unwrap_or(method)
}

/// A client's request id is kept only if it is short and plain, so it cannot forge log lines.
fn is_sane_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=128).contains(&bytes.len())
        && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':'))
}
