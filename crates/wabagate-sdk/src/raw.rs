//! Any Graph call through the gateway, untyped: the escape hatch behind `wabagate api`.
//! The answer comes back whatever its status, so a caller can show an error body exactly
//! as it came; only a gateway that cannot be reached is an [`Error`]. Sent once, never
//! retried: the SDK cannot know whether an arbitrary call may be repeated.

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::client::Client;
use crate::error::Error;
use crate::transport::request_id;

/// One untyped call: a Graph path (`{phone_number_id}/messages`, or with its version,
/// `v21.0/{waba_id}/message_templates?limit=5`), extra query pairs and headers, a body.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    /// Sent as `application/json` unless a `Content-Type` header says otherwise.
    pub body: Option<Bytes>,
}

/// The answer to a [`RawRequest`], 2xx or not.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    /// The gateway's `X-Request-Id`.
    pub request_id: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl RawAnswer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Client {
    /// The gateway URL of a Graph `path`: the client's Graph version is added unless the
    /// path starts with one (`v22.0/…`); a `?query` in the path is kept as written.
    pub fn graph_path_url(&self, path: &str) -> Result<Url, Error> {
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|segment| !segment.is_empty()).collect();
        if segments.is_empty() {
            return Err(Error::Config(
                "the Graph path is empty; give one such as `me` or `{waba_id}/phone_numbers`".into(),
            ));
        }
        let mut url = if is_graph_version(segments[0]) {
            let mut all = vec!["whatsapp-business"];
            all.extend_from_slice(&segments);
            self.control_url(&all)
        } else {
            self.graph_url(&segments)
        };
        url.set_query(query.filter(|query| !query.is_empty()));
        Ok(url)
    }

    /// Sends `request` once and returns the answer, whatever its status.
    pub async fn raw(&self, request: RawRequest) -> Result<RawAnswer, Error> {
        let mut url = self.graph_path_url(&request.path)?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::try_from(name.trim())
                .map_err(|_| Error::Config(format!("{name:?} is not a valid header name")))?;
            let value = HeaderValue::try_from(value.trim())
                .map_err(|_| Error::Config(format!("the value of header {name} is not valid")))?;
            headers.append(name, value);
        }
        let mut builder = self.request(request.method, url.clone());
        if let Some(body) = request.body {
            if !headers.contains_key(reqwest::header::CONTENT_TYPE) {
                builder = builder.header(reqwest::header::CONTENT_TYPE, "application/json");
            }
            builder = builder.body(body);
        }
        let response = builder
            .headers(headers)
            .send()
            .await
            .map_err(|source| Error::Transport { url: url.to_string(), source })?;
        let status = response.status().as_u16();
        let request_id = request_id(response.headers());
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(|source| Error::Transport { url: url.to_string(), source })?;
        Ok(RawAnswer { status, request_id, content_type, body })
    }
}

/// `v21.0`, `v3.2`: a Graph version segment.
fn is_graph_version(segment: &str) -> bool {
    segment.strip_prefix('v').and_then(|rest| rest.split_once('.')).is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|byte| byte.is_ascii_digit())
            && minor.bytes().all(|byte| byte.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder().base_url("http://127.0.0.1:8080").api_key("wbg_x").build().unwrap()
    }

    #[test]
    fn the_graph_version_is_added_unless_the_path_has_one() {
        let client = client();
        assert_eq!(
            client.graph_path_url("/1000/messages").unwrap().as_str(),
            "http://127.0.0.1:8080/whatsapp-business/v21.0/1000/messages"
        );
        assert_eq!(
            client.graph_path_url("v22.0/1000?fields=id,name").unwrap().as_str(),
            "http://127.0.0.1:8080/whatsapp-business/v22.0/1000?fields=id,name"
        );
        assert!(client.graph_path_url("/").is_err());
    }

    #[test]
    fn versions_look_like_graphs() {
        assert!(is_graph_version("v21.0"));
        assert!(!is_graph_version("v21"));
        assert!(!is_graph_version("video.mp4"));
        assert!(!is_graph_version("1000"));
    }
}
