//! `GET /whatsapp-business/media/{media_id}/content`: media bytes in one call.
//!
//! Meta hands out media as a short-lived URL that itself needs the token, so a client of
//! the gateway (which never sees the token) could not fetch it. This route looks the media
//! up upstream, checks that its URL is on a host the upstream serves media from, and streams
//! the bytes back with the token injected. The path cannot collide with a Graph call: Graph
//! paths start with a version or a numeric node id, never with `media`.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use url::Url;

use super::cached_connection::CachedConnection;
use super::{headers, pick_connection, proxy};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::observe::AccessNote;
use crate::state::AppState;

/// Meta's media lookup answers a few hundred bytes; anything far larger is not Meta.
const LOOKUP_BODY_LIMIT: usize = 64 * 1024;

pub(crate) async fn download(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Extension(note): Extension<AccessNote>,
    Path(media_id): Path<String>,
    RawQuery(query): RawQuery,
    caller_headers: HeaderMap,
) -> Result<Response, ApiError> {
    if media_id.is_empty()
        || media_id.len() > 64
        || !media_id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
    {
        return Err(ApiError::InvalidPath("a media id holds only letters, digits, `_` and `-`"));
    }
    proxy::enforce_rate_limit(&state, &account).await?;
    let phone_number_id = query.as_deref().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "phone_number_id")
            .map(|(_, value)| value.into_owned())
    });
    let connections = state.gateway_connections(account.account_id).await?;
    let routing_path = format!("/{}", phone_number_id.as_deref().unwrap_or(&media_id));
    let connection =
        pick_connection::pick(&connections, caller_headers.get(&headers::MATON_CONNECTION), &routing_path)?;
    note.set_connection(connection.connection_id);
    stream(&state, connection, &media_id, phone_number_id.as_deref(), &note).await
}

/// Looks a media id up through the upstream with the connection's token and streams its
/// bytes from an allowed host. Also serves the ledger's `GET /messages/{wamid}/media`.
pub(crate) async fn stream(
    state: &AppState,
    connection: &CachedConnection,
    media_id: &str,
    phone_number_id: Option<&str>,
    note: &AccessNote,
) -> Result<Response, ApiError> {
    let bearer = connection.bearer()?;

    let version = &state.config().graph_version;
    let lookup_target = match phone_number_id {
        Some(id) => format!("/{version}/{media_id}?phone_number_id={}", urlencode(id)),
        None => format!("/{version}/{media_id}"),
    };
    let lookup = upstream_get(proxy::upstream_uri(state, &lookup_target)?, bearer.clone());
    let lookup = proxy::send(state, lookup).await?;
    if !lookup.status().is_success() {
        // Meta's own error (unknown media, expired token, …) is the caller's answer.
        note.set_upstream_status(lookup.status().as_u16());
        return Ok(lookup);
    }
    let (media_url, mime_type) = read_media_url(lookup).await?;
    let media_url = allowed_media_url(state, &media_url)?;
    let content_uri = media_url
        .as_str()
        .parse()
        .map_err(|_| ApiError::BadUpstreamAnswer("The upstream's media URL is not a valid URI.".into()))?;
    let mut content = proxy::send(state, upstream_get(content_uri, bearer)).await?;
    note.set_upstream_status(content.status().as_u16());
    if let Some(mime_type) = mime_type.filter(|_| !content.headers().contains_key(header::CONTENT_TYPE)) {
        if let Ok(value) = mime_type.parse() {
            content.headers_mut().insert(header::CONTENT_TYPE, value);
        }
    }
    Ok(content)
}

pub(super) fn upstream_get(uri: axum::http::Uri, bearer: axum::http::HeaderValue) -> Request {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    request
}

/// Reads `url` and `mime_type` from Meta's media lookup answer.
async fn read_media_url(lookup: Response) -> Result<(String, Option<String>), ApiError> {
    let not_meta = || ApiError::BadUpstreamAnswer("The upstream's media lookup answer has no media url.".into());
    let bytes = Limited::new(lookup.into_body(), LOOKUP_BODY_LIMIT).collect().await.map_err(|_| not_meta())?.to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| not_meta())?;
    let url = answer.get("url").and_then(|url| url.as_str()).ok_or_else(not_meta)?.to_owned();
    let mime_type = answer.get("mime_type").and_then(|mime| mime.as_str()).map(str::to_owned);
    Ok((url, mime_type))
}

/// The media URL, if it is on the upstream's own origin or a configured media host, so the
/// token is never sent anywhere else.
pub(super) fn allowed_media_url(state: &AppState, media_url: &str) -> Result<Url, ApiError> {
    let refused =
        || ApiError::BadUpstreamAnswer("The upstream's media URL is on a host media is not fetched from.".into());
    let url = Url::parse(media_url).map_err(|_| refused())?;
    let upstream = &state.config().upstream;
    if url.origin() == upstream.origin() {
        return Ok(url);
    }
    let secure_enough = url.scheme() == "https" || upstream.scheme() == "http" && url.scheme() == "http";
    let host_port = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => return Err(refused()),
    };
    let listed = state.config().media_hosts.iter().any(|allowed| allowed.eq_ignore_ascii_case(&host_port));
    if secure_enough && listed && url.username().is_empty() && url.password().is_none() {
        Ok(url)
    } else {
        Err(refused())
    }
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
