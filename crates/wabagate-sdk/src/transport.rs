//! Sending one call: the auth and connection headers, the retry loop, and turning a
//! non-2xx answer into [`Error`]. Every operation goes through [`Client::execute`].

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::response::ApiResponse;
use crate::retry::parse_retry_after;

/// The header that picks a connection, as the hosted product names it.
pub(crate) const CONNECTION_HEADER: &str = "Maton-Connection";

/// Whether a failed call may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and deletes: sending twice has the effect of sending once.
    Idempotent,
    /// Sends: retried only when the client was built with `retry_sends(true)`.
    Send,
    /// Uploads of a stream, which cannot be replayed; and creations.
    Never,
}

impl Client {
    /// A request with the gateway's headers; the body is the caller's.
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let mut request = self.http.request(method, url).bearer_auth(self.api_key.expose());
        if let Some(connection_id) = &self.connection_id {
            request = request.header(CONNECTION_HEADER, connection_id);
        }
        request
    }

    /// Sends the request `build` makes (again, for each retry) and returns a 2xx answer with
    /// its body unread; any other answer becomes [`Error`].
    pub(crate) async fn execute(&self, retry: Retry, build: impl Fn() -> RequestBuilder) -> Result<Response, Error> {
        let may_retry = match retry {
            Retry::Idempotent => true,
            Retry::Send => self.retry_sends,
            Retry::Never => false,
        };
        let mut attempt = 0;
        loop {
            let request = build().build().map_err(|source| Error::Transport { url: String::new(), source })?;
            let url = request.url().to_string();
            let response = self.http.execute(request).await.map_err(|source| Error::Transport { url, source })?;
            let status = response.status().as_u16();
            if response.status().is_success() {
                return Ok(response);
            }
            let retry_after = retry_after(response.headers());
            let request_id = request_id(response.headers());
            let delay = if may_retry { self.retry.delay_before_retry(attempt, status, retry_after) } else { None };
            match delay {
                Some(delay) => {
                    // Drain the refused answer so its connection goes back to the pool.
                    let _ = response.bytes().await;
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => {
                    let url = response.url().to_string();
                    let body = response.bytes().await.map_err(|source| Error::Transport { url, source })?;
                    return Err(Error::from_answer(status, retry_after, request_id, body));
                }
            }
        }
    }

    /// [`Client::execute`] and decode the JSON answer, keeping its bytes.
    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        retry: Retry,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<ApiResponse<T>, Error> {
        let response = self.execute(retry, build).await?;
        read_json(response).await
    }
}

/// Reads a 2xx answer's body and decodes it as `T`.
pub(crate) async fn read_json<T: DeserializeOwned>(response: Response) -> Result<ApiResponse<T>, Error> {
    let status = response.status().as_u16();
    let url = response.url().to_string();
    let body: Bytes = response.bytes().await.map_err(|source| Error::Transport { url, source })?;
    match serde_json::from_slice(&body) {
        Ok(value) => Ok(ApiResponse { status, value, body }),
        Err(error) => Err(Error::UnexpectedBody { status, reason: error.to_string(), body }),
    }
}

/// The gateway's `X-Request-Id`, if it is printable text.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|value| value.to_str().ok()).map(str::to_owned)
}

fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    headers.get(RETRY_AFTER).and_then(|value| value.to_str().ok()).and_then(parse_retry_after)
}
