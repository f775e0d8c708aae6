//! The sandbox's HTTP surface, top to bottom: request recording (outermost, so it sees
//! exactly what arrived), Graph's response headers, then the routes: control API, the
//! OAuth dialog and token endpoints, webhooks' `subscribed_apps` and controls, media
//! downloads, and the Graph dispatcher as the fallback for every other path.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use wabagate_model::media::LARGEST_MEDIA_BYTES;

use crate::graph::{self, LATEST_VERSION};
use crate::ids::new_trace_id;
use crate::recorder::record_requests;
use crate::state::SandboxState;

/// Room for multipart framing around the largest file Meta accepts.
const UPLOAD_BODY_LIMIT: usize = (LARGEST_MEDIA_BYTES + 1024 * 1024) as usize;

/// The complete sandbox as an axum router (Graph at the root, as on graph.facebook.com).
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .merge(crate::control::routes())
        // Meta's side: explicit routes win over the Graph fallback below.
        .merge(crate::oauth::router())
        .merge(crate::webhooks::router())
        .route("/whatsapp_business/attachments/", get(graph::download_attachment))
        .fallback(graph::dispatch)
        // Multipart reads respect this limit; JSON bodies have their own, smaller one.
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
        // A refused upload is still read to its end, so the client sees the refusal.
        .layer(middleware::from_fn(crate::unread_body::drain_unread_bodies))
        .layer(middleware::from_fn(graph_headers))
        .layer(middleware::from_fn_with_state(state.clone(), note_changes))
        .layer(middleware::from_fn_with_state(state.clone(), record_requests))
        .with_state(state)
}

/// Every request that may change state (anything but GET and HEAD) marks it unsaved, so the
/// `--state` autosave writes only when there is something new.
async fn note_changes(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    let response = next.run(request).await;
    if changes {
        state.mark_changed();
    }
    response
}

/// Adds the headers graph.facebook.com sends on every Graph answer.
async fn graph_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_graph = !path.starts_with("/__sandbox") && !path.starts_with("/whatsapp_business/");
    let version = path
        .split('/')
        .find(|segment| !segment.is_empty())
        .and_then(graph::served_version)
        .unwrap_or_else(|| LATEST_VERSION.to_owned());
    let mut response = next.run(request).await;
    if !is_graph {
        return response;
    }
    let headers = response.headers_mut();
    if headers.get(header::CONTENT_TYPE).is_some_and(|value| value == "application/json") {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
    }
    if !headers.contains_key("x-fb-trace-id") {
        if let Ok(value) = HeaderValue::from_str(&new_trace_id()) {
            headers.insert("x-fb-trace-id", value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&new_trace_id()) {
        headers.insert("x-fb-request-id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&version) {
        headers.insert("facebook-api-version", value);
    }
    response
}

/// Decides due template reviews every second, so approvals (and their webhooks) happen
/// without anyone polling.
pub(crate) async fn review_ticker(state: SandboxState) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        interval.tick().await;
        if state.templates().has_pending_review() {
            state.settle_template_reviews();
        }
    }
}
