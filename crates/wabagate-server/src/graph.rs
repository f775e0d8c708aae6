//! The gateway's own calls to the Graph API (not proxied ones): the connect flow's token
//! exchanges and asset discovery. Small JSON answers, read whole and bounded.

use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::{BodyExt, Limited};
use serde_json::Value;
use wabagate_store::AccessToken;

use crate::state::AppState;

/// Graph answers for these calls are small; a larger one is not Graph's.
const ANSWER_LIMIT: usize = 1024 * 1024;

/// Why a Graph call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum GraphCallError {
    #[error("the Graph API could not be reached ({0})")]
    Unreachable(String),
    /// Graph answered with its error object.
    #[error("the Graph API refused {path}: {message} (code {code})")]
    Refused { path: String, status: u16, code: i64, subcode: Option<i64>, message: String },
}

/// `GET {upstream}{path}?{query}`, with the token as Bearer when given.
pub async fn get(
    state: &AppState,
    path: &str,
    query: &[(&str, &str)],
    bearer: Option<&AccessToken>,
) -> Result<Value, GraphCallError> {
    call(state, Method::GET, path, query, bearer).await
}

/// `POST {upstream}{path}?{query}` with an empty body.
pub async fn post(
    state: &AppState,
    path: &str,
    query: &[(&str, &str)],
    bearer: Option<&AccessToken>,
) -> Result<Value, GraphCallError> {
    call(state, Method::POST, path, query, bearer).await
}

async fn call(
    state: &AppState,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    bearer: Option<&AccessToken>,
) -> Result<Value, GraphCallError> {
    let unreachable = |reason: String| GraphCallError::Unreachable(reason);
    let mut url = state.config().upstream.join(path).map_err(|error| unreachable(error.to_string()))?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let mut request = Request::builder().method(method).uri(url.as_str());
    if let Some(token) = bearer {
        let mut value = header::HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| unreachable("the token is not a valid header value".into()))?;
        value.set_sensitive(true);
        request = request.header(header::AUTHORIZATION, value);
    }
    let request = request.body(Body::empty()).map_err(|error| unreachable(error.to_string()))?;
    let response = tokio::time::timeout(state.config().upstream_timeout, state.upstream().request(request))
        .await
        .map_err(|_| unreachable("no answer in time".into()))?
        .map_err(|error| unreachable(error.to_string()))?;
    let status = response.status();
    let body = Limited::new(response.into_body(), ANSWER_LIMIT)
        .collect()
        .await
        .map_err(|error| unreachable(format!("reading the answer failed: {error}")))?
        .to_bytes();
    let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(answer);
    }
    let error = answer.get("error");
    Err(GraphCallError::Refused {
        path: path.to_owned(),
        status: status.as_u16(),
        code: error.and_then(|error| error.get("code")).and_then(Value::as_i64).unwrap_or(0),
        subcode: error.and_then(|error| error.get("error_subcode")).and_then(Value::as_i64),
        message: error
            .and_then(|error| error.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("no Graph error message")
            .to_owned(),
    })
}
