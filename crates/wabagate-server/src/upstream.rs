//! The one pooled keep-alive HTTP client to the upstream (Meta's Graph API or the sandbox),
//! shared by every proxied request. Built on hyper directly so a proxied request costs no
//! more than building its head: bodies pass through as streams in both directions. Its
//! connections read the upstream's answer even when the upstream stopped reading the request
//! ([`early_answers`]). The upstream's [`Origin`] is parsed once, so a request's URI is built
//! from it and the caller's path without formatting and parsing a whole URL.

mod early_answers;

use std::time::Duration;

use axum::body::Body;
use axum::http::Uri;
use axum::http::uri::{Authority, InvalidUri, Parts, PathAndQuery, Scheme};
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::{Client, Error};
use hyper_util::rt::TokioExecutor;

use self::early_answers::EarlyAnswers;
use crate::error::ApiError;
use crate::listener::caller_body::CallerBodyError;
use crate::metrics::UpstreamError;
use crate::state::AppState;

pub(crate) type UpstreamClient = Client<EarlyAnswers<hyper_rustls::HttpsConnector<HttpConnector>>, Body>;

pub(crate) fn build_client() -> UpstreamClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(5)));
    let https = HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().wrap_connector(http);
    Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(EarlyAnswers(https))
}

/// The upstream's scheme, authority and path prefix (usually none), parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    scheme: Scheme,
    authority: Authority,
    /// The upstream URL's path without its trailing `/`: empty for Meta and the sandbox.
    base_path: String,
}

impl Origin {
    pub(crate) fn parse(upstream: &url::Url) -> Result<Self, InvalidUri> {
        let authority = &upstream[url::Position::BeforeUsername..url::Position::AfterPort];
        Ok(Self {
            scheme: upstream.scheme().parse()?,
            authority: authority.parse()?,
            base_path: upstream.path().trim_end_matches('/').to_owned(),
        })
    }

    /// This origin followed by `path_and_query` (`/v21.0/…?…`, as the caller sent it), if
    /// that is a valid URI path and query.
    pub(crate) fn uri(&self, path_and_query: &str) -> Option<Uri> {
        let path_and_query = if self.base_path.is_empty() {
            PathAndQuery::try_from(path_and_query)
        } else {
            PathAndQuery::try_from(format!("{}{path_and_query}", self.base_path))
        };
        let mut parts = Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query.ok()?);
        Uri::from_parts(parts).ok()
    }
}

/// Counts an upstream failure by kind (the caller's own body failing is not one).
pub(crate) fn count(state: &AppState, error: ApiError) -> ApiError {
    let kind = match &error {
        ApiError::UpstreamTimeout => Some(UpstreamError::timeout),
        ApiError::UpstreamUnreachable => Some(UpstreamError::connect),
        ApiError::BadUpstreamAnswer(_) => Some(UpstreamError::bad_answer),
        _ => None,
    };
    if let Some(kind) = kind {
        state.metrics().hot.upstream_failed(kind);
    }
    error
}

/// Whose fault a failed exchange was: the caller's body (400, or 408 when it stalled), the
/// upstream's answer that is not HTTP (502 `bad_upstream_answer`), or the upstream not
/// reached (502 `upstream_unreachable`).
pub(crate) fn failure(error: Error) -> ApiError {
    if let Some(caller) = CallerBodyError::find(&error) {
        tracing::info!(error = %caller, "the caller's request body failed");
        return match caller {
            CallerBodyError::Stalled(timeout) => ApiError::RequestBodyTimeout(timeout.as_secs()),
            CallerBodyError::Unreadable(_) => ApiError::UnreadableRequestBody,
        };
    }
    let hyper_error = std::iter::successors(Some(&error as &(dyn std::error::Error + 'static)), |error| error.source())
        .find_map(|error| error.downcast_ref::<hyper::Error>());
    if hyper_error.is_some_and(hyper::Error::is_parse) {
        tracing::warn!(error = %error, "the upstream answered with something that is not HTTP");
        return ApiError::BadUpstreamAnswer("The upstream answered with something that is not HTTP.".to_owned());
    }
    tracing::warn!(error = %error, "upstream request failed");
    ApiError::UpstreamUnreachable
}
