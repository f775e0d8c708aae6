//! The proxy itself: `ANY /whatsapp-business/{graph path}` forwarded to the upstream with
//! the connection's token, bodies streamed both ways, the upstream's answer returned as it
//! came (status, headers and body), Meta's errors included.

use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Uri, Version};
use axum::response::Response;
use wabagate_store::Account;

use super::{headers, path_guard, pick_connection, send_ledger, sent_body};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::expiry;
use crate::global_limit::Refusal;
use crate::observe::AccessNote;
use crate::state::AppState;
use crate::upstream;

/// The path prefix that names the app, as in the hosted product.
pub(crate) const APP_PREFIX: &str = "/whatsapp-business";

pub(crate) async fn forward(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Extension(note): Extension<AccessNote>,
    request: Request,
) -> Result<Response, ApiError> {
    // An absolute-form request target (`GET http://host/…`) names an origin of its own.
    if request.uri().authority().is_some() {
        return Err(ApiError::InvalidPath("absolute URIs are not allowed"));
    }
    let graph_path = request.uri().path().strip_prefix(APP_PREFIX).unwrap_or_default();
    path_guard::check(graph_path).map_err(ApiError::InvalidPath)?;
    enforce_rate_limit(&state, &account).await?;

    let connections = state.gateway_connections(account.account_id).await?;
    let connection =
        pick_connection::pick(&connections, request.headers().get(&headers::MATON_CONNECTION), graph_path)?;
    note.set_connection(connection.connection_id);

    // The path and query as they came, less the prefix (the guard checked the path).
    let graph_target = request.uri().path_and_query().map_or("", |target| target.as_str());
    let uri = upstream_uri(&state, graph_target.strip_prefix(APP_PREFIX).unwrap_or_default())?;
    let (mut parts, body) = request.into_parts();
    headers::to_upstream(&mut parts.headers, connection.bearer()?);
    parts.uri = uri;
    parts.version = Version::HTTP_11;
    parts.extensions = Default::default();
    let response = send_ledger::send(&state, &account, connection, Request::from_parts(parts, body)).await?;
    note.set_upstream_status(response.status().as_u16());
    Ok(expiry::watch_for_rejected_token(&state, account.account_id, connection, response).await)
}

/// How long a refusal is held at most before it is answered (the account's wait, if shorter).
/// A client that ignores `Retry-After` and asks again at once would otherwise make the gateway
/// answer a refusal per round trip, as fast as the connection allows, and take that CPU from
/// every other account; held, each of its connections costs at most ten refusals a second.
/// `Retry-After` still counts from when the refusal was decided, so it only errs long.
const REFUSAL_HOLD: Duration = Duration::from_millis(100);

pub(crate) async fn enforce_rate_limit(state: &AppState, account: &Account) -> Result<(), ApiError> {
    let Err(refusal) = state.rate_limit().check(account.account_id).await else { return Ok(()) };
    match refusal {
        Refusal::Wait(wait) => {
            state.metrics().rate_limited.inc();
            state.metrics().hot.rate_limited(account.account_id);
            tokio::time::sleep(wait.min(REFUSAL_HOLD)).await;
            Err(ApiError::RateLimited {
                limit: state.rate_limit().limit(),
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            })
        }
        Refusal::Unavailable => Err(ApiError::RateLimitUnavailable),
    }
}

/// The upstream origin followed by the guarded path and the query string, unchanged.
pub(crate) fn upstream_uri(state: &AppState, path_and_query: &str) -> Result<Uri, ApiError> {
    state
        .upstream_origin()
        .uri(path_and_query)
        .ok_or(ApiError::InvalidPath("the path or query string is not a valid URI"))
}

/// Sends a request upstream and returns its response with the body still streaming.
/// Only the wait for the response head after the request body has been sent is bounded by
/// the upstream timeout: uploads and bodies have no deadline, since a large media upload or
/// download may take minutes (a stalled one is cut by the caller body's progress timeout).
/// An answer that comes before the body is all sent (Meta refusing early) is taken as it is.
pub(crate) async fn send(state: &AppState, request: Request) -> Result<Response, ApiError> {
    let started = Instant::now();
    let (request, body_sent) = sent_body::track(request);
    let exchange = state.upstream().request(request);
    tokio::pin!(exchange);
    let answer = tokio::select! {
        biased;
        answer = &mut exchange => answer,
        () = body_sent => tokio::time::timeout(state.config().upstream_timeout, exchange)
            .await
            .map_err(|_| upstream::count(state, ApiError::UpstreamTimeout))?,
    };
    let response = answer.map_err(|error| upstream::count(state, upstream::failure(error)))?;
    state.metrics().upstream_latency.observe(started.elapsed().as_secs_f64());
    let (mut parts, body) = response.into_parts();
    headers::to_caller(&mut parts.headers);
    Ok(Response::from_parts(parts, Body::new(body)))
}
