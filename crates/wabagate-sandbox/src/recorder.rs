//! A record of what "Meta" received, for tests of the gateway in front of the sandbox: the
//! last requests with their method, path, query, headers and the start of their body.
//!
//! Bodies are observed as they stream through to the handler, never buffered on the
//! recorder's behalf: a 100 MB upload costs the recorder 64 KiB.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body::{Body as HttpBody, Frame, SizeHint};
use serde::Serialize;

use crate::bounded_log::BoundedLog;
use crate::state::SandboxState;

/// How much of each body the recorder keeps.
pub const RECORDED_BODY_LIMIT: usize = 64 * 1024;

/// One request as the sandbox received it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The first [`RECORDED_BODY_LIMIT`] bytes of the body the handler read.
    #[serde(serialize_with = "serialize_lossy")]
    pub body: Bytes,
    /// The number of body bytes the handler read.
    pub body_len: u64,
}

fn serialize_lossy<S: serde::Serializer>(body: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(body))
}

/// The last requests the sandbox received.
#[derive(Debug)]
pub struct RequestRecorder {
    log: BoundedLog<RecordedRequest>,
}

impl RequestRecorder {
    pub fn new(capacity: usize) -> Self {
        Self { log: BoundedLog::new(capacity) }
    }

    /// The recorded requests, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.entries()
    }

    pub fn clear(&self) {
        self.log.clear();
    }

    fn push(&self, request: RecordedRequest) {
        self.log.push(request);
    }
}

#[derive(Debug, Default)]
struct Captured {
    head: BytesMut,
    length: u64,
}

/// Middleware: records every request except the sandbox's own control API, once the
/// handler has answered (by then the handler has read, or dropped, the body).
pub async fn record_requests(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/__sandbox") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let captured = Arc::new(Mutex::new(Captured::default()));
    let observed = Body::new(ObservedBody { inner: body, captured: Arc::clone(&captured) });
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let response = next.run(Request::from_parts(parts, observed)).await;
    let captured = std::mem::take(&mut *captured.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    state.recorder().push(RecordedRequest {
        method,
        path,
        query,
        headers,
        body: captured.head.freeze(),
        body_len: captured.length,
    });
    response
}

/// A request body that notes its first bytes and length while passing every frame on.
struct ObservedBody {
    inner: Body,
    captured: Arc<Mutex<Captured>>,
}

impl HttpBody for ObservedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(context);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            let Some(data) = frame.data_ref() else { return polled };
            let mut captured = self.captured.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            captured.length += data.len() as u64;
            let room = RECORDED_BODY_LIMIT.saturating_sub(captured.head.len());
            captured.head.extend_from_slice(&data[..room.min(data.len())]);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
