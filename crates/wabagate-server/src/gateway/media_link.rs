//! Media links: the one upstream body the gateway rewrites.
//!
//! A Graph media lookup (`GET /{version}/{media-id}`) answers a `url` that the client then
//! fetches with its token. A gateway client holds only its API key, which must never reach
//! Meta's media host, and the token must never reach the client. So that one field of that
//! one small answer is replaced by a gateway URL,
//! `{public_url}/whatsapp-business/media/link/{reference}`, that the client fetches with its
//! API key. The reference is the upstream URL, the account, the connection and an expiry,
//! sealed (XChaCha20-Poly1305) under a key derived from the master key: opaque, tamper-proof
//! and short-lived, like Meta's own URLs. Fetching it streams the bytes from the upstream
//! URL with the connection's token, from the allowed media hosts only.
//!
//! The lookup is recognised from the request alone (a GET of a bare numeric node), so every
//! other proxied call pays one string check and its body is never looked at.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use serde_json::Value;
use uuid::Uuid;
use wabagate_store::{Account, ConnectionStatus, GatewayConnection, Keyring};

use super::{media, proxy};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::observe::AccessNote;
use crate::state::AppState;

/// The purpose the link key is derived for; also the sealed payload's associated data.
pub(crate) const KEY_PURPOSE: &str = "wabagate media link v1";

/// Meta's media lookup answers a few hundred bytes; larger answers are passed on unread.
const LOOKUP_BODY_LIMIT: u64 = 64 * 1024;

/// Links longer than this are refused before any decoding (Meta's URLs are a few hundred
/// bytes, so real links are well under it).
const REFERENCE_LIMIT: usize = 4 * 1024;

/// The path the links are served under, after the public URL.
const LINK_PATH: &str = "/whatsapp-business/media/link/";

/// Sends a proxied request like [`proxy::send`]; when it is a media lookup, the answer's
/// `url` is replaced by a gateway media link bound to `account` and `connection`.
pub(crate) async fn send(
    state: &AppState,
    account: &Account,
    connection: &GatewayConnection,
    mut request: Request,
) -> Result<Response, ApiError> {
    if !is_media_lookup(state, &request) {
        return proxy::send(state, request).await;
    }
    // The answer is read, so it must come uncompressed.
    request.headers_mut().insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
    let response = proxy::send(state, request).await?;
    relink(state, account.account_id, connection.connection_id, response).await
}

/// `GET /whatsapp-business/media/link/{reference}`: the bytes of a media link, streamed.
/// An unknown, altered, expired or other account's link is one and the same 404.
pub(crate) async fn download(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Extension(note): Extension<AccessNote>,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    proxy::enforce_rate_limit(&state, &account).await?;
    let link = MediaLink::open(state.media_links(), &reference)
        .filter(|link| link.account_id == account.account_id && !link.expired_at(unix_millis_now()))
        .ok_or(ApiError::MediaLinkNotFound)?;
    let connections = state.gateway_connections(account.account_id).await?;
    let connection = connections
        .iter()
        .find(|connection| connection.connection_id == link.connection_id)
        .ok_or(ApiError::MediaLinkNotFound)?;
    if connection.status != ConnectionStatus::Active {
        return Err(ApiError::ConnectionNotActive {
            connection_id: connection.connection_id,
            status: connection.status,
        });
    }
    note.set_connection(connection.connection_id);
    let media_url = media::allowed_media_url(&state, &link.media_url)?;
    let uri = media_url
        .as_str()
        .parse()
        .map_err(|_| ApiError::BadUpstreamAnswer("The upstream's media URL is not a valid URI.".into()))?;
    let content = proxy::send(&state, media::upstream_get(uri, connection.bearer()?)).await?;
    note.set_upstream_status(content.status().as_u16());
    Ok(content)
}

/// A GET of a bare numeric node, `/{version}/{id}` or `/{id}` (a trailing slash allowed):
/// the only shape of a media lookup. Decided from the upstream request's path, which is the
/// upstream's own path prefix followed by the caller's Graph path.
fn is_media_lookup(state: &AppState, request: &Request) -> bool {
    if request.method() != axum::http::Method::GET {
        return false;
    }
    let prefix = state.config().upstream.path().trim_end_matches('/');
    request.uri().path().strip_prefix(prefix).is_some_and(is_bare_node)
}

fn is_bare_node(graph_path: &str) -> bool {
    let graph_path = graph_path.strip_prefix('/').unwrap_or(graph_path);
    let graph_path = graph_path.strip_suffix('/').unwrap_or(graph_path);
    let node = match graph_path.split_once('/') {
        Some((version, node)) if is_graph_version(version) => node,
        Some(_) => return false,
        None => graph_path,
    };
    !node.is_empty() && node.len() <= 32 && node.bytes().all(|byte| byte.is_ascii_digit())
}

fn is_graph_version(segment: &str) -> bool {
    segment.strip_prefix('v').is_some_and(|rest| {
        let mut parts = rest.split('.');
        parts.next().is_some_and(|major| !major.is_empty() && major.bytes().all(|byte| byte.is_ascii_digit()))
            && parts.all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
    })
}

/// Replaces the `url` of a small successful media answer; anything else passes unchanged.
async fn relink(
    state: &AppState,
    account_id: Uuid,
    connection_id: Uuid,
    response: Response,
) -> Result<Response, ApiError> {
    let small = content_length(response.headers()).is_some_and(|length| length <= LOOKUP_BODY_LIMIT);
    if response.status() != StatusCode::OK || !small || response.headers().contains_key(header::CONTENT_ENCODING) {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let bytes = tokio::time::timeout(state.config().upstream_timeout, body.collect())
        .await
        .map_err(|_| ApiError::UpstreamTimeout)?
        .map_err(|error| {
            tracing::warn!(error = %error, "reading a media lookup answer failed");
            ApiError::UpstreamUnreachable
        })?
        .to_bytes();
    let link_for = |media_url: &str| {
        let expires_at_ms = unix_millis_now().saturating_add(millis(state.config().media_link_ttl));
        let link = MediaLink { account_id, connection_id, expires_at_ms, media_url: media_url.to_owned() };
        let public_url = state.config().public_url.as_str().trim_end_matches('/');
        format!("{public_url}{LINK_PATH}{}", link.seal(state.media_links()))
    };
    let Some(relinked) = relinked_answer(&bytes, link_for) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    // The body changed: its length is the new one's (set when it is sent), its tag is void.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    Ok(Response::from_parts(parts, Body::from(relinked)))
}

/// The answer with its `url` replaced, if it is a media answer (an object with a string
/// `url` and `mime_type`); `None` leaves the bytes as they came.
fn relinked_answer(bytes: &[u8], link_for: impl FnOnce(&str) -> String) -> Option<Vec<u8>> {
    let mut answer: serde_json::Map<String, Value> = serde_json::from_slice(bytes).ok()?;
    answer.get("mime_type")?.as_str()?;
    let link = link_for(answer.get("url")?.as_str()?);
    answer.insert("url".to_owned(), Value::String(link));
    serde_json::to_vec(&answer).ok()
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// What a media link's reference seals.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MediaLink {
    account_id: Uuid,
    connection_id: Uuid,
    expires_at_ms: u64,
    media_url: String,
}

impl MediaLink {
    /// `{key id}.{base64url(nonce ‖ ciphertext)}`, where the plaintext is the account id,
    /// the connection id, the expiry (ms since the epoch, big-endian) and the URL.
    fn seal(&self, keyring: &Keyring) -> String {
        let mut plaintext = Vec::with_capacity(40 + self.media_url.len());
        plaintext.extend_from_slice(self.account_id.as_bytes());
        plaintext.extend_from_slice(self.connection_id.as_bytes());
        plaintext.extend_from_slice(&self.expires_at_ms.to_be_bytes());
        plaintext.extend_from_slice(self.media_url.as_bytes());
        let sealed = keyring.seal_bytes(&plaintext, KEY_PURPOSE);
        let mut sealed_bytes = sealed.nonce;
        sealed_bytes.extend_from_slice(&sealed.ciphertext);
        format!("{}.{}", sealed.key_id, URL_SAFE_NO_PAD.encode(sealed_bytes))
    }

    /// The link a reference seals, if it was sealed by one of `keyring`'s keys, unaltered.
    fn open(keyring: &Keyring, reference: &str) -> Option<Self> {
        if reference.len() > REFERENCE_LIMIT {
            return None;
        }
        let (key_id, sealed) = reference.split_once('.')?;
        let sealed = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if sealed.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(24);
        let sealed = wabagate_store::SealedToken {
            ciphertext: ciphertext.to_vec(),
            nonce: nonce.to_vec(),
            key_id: key_id.to_owned(),
        };
        let plaintext = keyring.open_bytes(&sealed, KEY_PURPOSE).ok()?;
        if plaintext.len() < 40 {
            return None;
        }
        let (ids, rest) = plaintext.split_at(32);
        let (expiry, media_url) = rest.split_at(8);
        Some(Self {
            account_id: Uuid::from_slice(&ids[..16]).ok()?,
            connection_id: Uuid::from_slice(&ids[16..]).ok()?,
            expires_at_ms: u64::from_be_bytes(expiry.try_into().ok()?),
            media_url: String::from_utf8(media_url.to_vec()).ok()?,
        })
    }

    fn expired_at(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_at_ms
    }
}

fn unix_millis_now() -> u64 {
    millis(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn keyring() -> Keyring {
        Keyring::from_hex(KEY, &[]).unwrap().derive(KEY_PURPOSE)
    }

    fn link() -> MediaLink {
        MediaLink {
            account_id: Uuid::new_v4(),
            connection_id: Uuid::new_v4(),
            expires_at_ms: 1_700_000_300_000,
            media_url: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2&hash=x".to_owned(),
        }
    }

    #[test]
    fn a_sealed_link_opens_to_what_was_sealed_and_hides_the_url() {
        let link = link();
        let reference = link.seal(&keyring());
        assert!(!reference.contains("lookaside"), "{reference}");
        assert!(reference.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_.".contains(&byte)), "{reference}");
        assert_eq!(MediaLink::open(&keyring(), &reference), Some(link));
    }

    #[test]
    fn an_altered_or_foreign_reference_does_not_open() {
        let reference = link().seal(&keyring());
        let last = reference.len() - 1;
        let flipped = if reference.ends_with('A') { 'B' } else { 'A' };
        let altered = format!("{}{flipped}", &reference[..last]);
        assert_eq!(MediaLink::open(&keyring(), &altered), None);
        let other_key = Keyring::from_hex(&KEY.replace('0', "f"), &[]).unwrap().derive(KEY_PURPOSE);
        assert_eq!(MediaLink::open(&other_key, &reference), None);
        for junk in ["", ".", "abc.", "x.!!", &"a".repeat(REFERENCE_LIMIT + 1)] {
            assert_eq!(MediaLink::open(&keyring(), junk), None, "{junk}");
        }
    }

    #[test]
    fn a_link_expires_at_its_deadline() {
        let link = link();
        assert!(!link.expired_at(link.expires_at_ms - 1));
        assert!(link.expired_at(link.expires_at_ms));
    }

    #[test]
    fn only_a_media_answer_is_relinked() {
        let answer = br#"{"url":"https://lookaside.fbsbx.com/a","mime_type":"image/jpeg","sha256":"ab","file_size":3,"id":"1","messaging_product":"whatsapp"}"#;
        let relinked: Value =
            serde_json::from_slice(&relinked_answer(answer, |_| "http://gw/link".into()).unwrap()).unwrap();
        assert_eq!(relinked["url"], "http://gw/link");
        assert_eq!(relinked["mime_type"], "image/jpeg");
        assert_eq!(relinked["file_size"], 3);
        for other in
            [&br#"{"id":"1","display_phone_number":"+1"}"#[..], br#"{"url":5,"mime_type":"x"}"#, b"[1]", b"not json"]
        {
            assert_eq!(relinked_answer(other, |_| unreachable!()), None);
        }
    }

    #[test]
    fn only_a_get_of_a_bare_numeric_node_is_a_lookup() {
        for lookup in ["/v21.0/1234567890", "/1234567890", "/v23.0/1234567890/"] {
            assert!(is_bare_node(lookup), "{lookup}");
        }
        for other in ["/v21.0/123/messages", "/v21.0/me", "/v21.0/", "/v21.0", "/x/123", "/v21.0/12a", "/upload:abc"] {
            assert!(!is_bare_node(other), "{other}");
        }
    }

    #[test]
    fn graph_versions_are_recognised() {
        for version in ["v21.0", "v9", "v23.0"] {
            assert!(is_graph_version(version), "{version}");
        }
        for other in ["v", "21.0", "v21.", "vx.0", "me"] {
            assert!(!is_graph_version(other), "{other}");
        }
    }
}
