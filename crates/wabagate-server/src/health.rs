//! Liveness, readiness and metrics endpoints for operators and orchestrators.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::global_limit::Readiness;
use crate::state::AppState;

/// `GET /healthz`: the process is up and serving.
pub(crate) async fn live() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the store answers, so requests can be served; and with `--redis-url`,
/// what the rate limit's Redis said. An instance whose Redis is gone still serves when the
/// limit fails open (so it stays ready, saying so); failing closed, it would refuse every
/// gateway request, so it is not ready.
pub(crate) async fn ready(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store().ping().await.map_err(|_| ApiError::StoreUnavailable)?;
    match state.rate_limit().readiness().await {
        Readiness::Ready => Ok("ready\n"),
        Readiness::Degraded => Ok("ready; rate limit per instance: Redis does not answer\n"),
        Readiness::Unavailable => Err(ApiError::RateLimitUnavailable),
    }
}

/// `GET /metrics`: Prometheus text exposition, the store's connection gauges read now. A
/// store that does not answer leaves them as last read rather than failing the scrape.
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match state.store().connection_census().await {
        Ok(census) => state.metrics().inventory.refresh(&census, state.now()),
        Err(error) => tracing::warn!(error = %error, "counting connections for /metrics failed"),
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics().render())
}
