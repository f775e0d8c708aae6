//! The inbound media cache: a customer's photo, voice note or document is fetched once when
//! its message arrives (Meta's media URLs expire, and Meta keeps media for 7 days), checked
//! against the `sha256` Meta sent with the message, and kept as a file for 7 days.
//! `GET /messages/{wamid}/media` serves from here first. Files are named by the SHA-256 of
//! the wamid, so nothing from the network chooses a path.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::gateway::media;
use crate::observe::AccessNote;
use crate::state::AppState;

/// As long as Meta keeps media.
pub(crate) const RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Meta's largest media (documents) are 100 MB.
const FILE_LIMIT: u64 = 100 * 1024 * 1024;
/// One download, head and body.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Downloads at once; more arrivals wait their turn.
static DOWNLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// A media item of an inbound message that just arrived.
#[derive(Debug, Clone)]
pub(crate) struct ArrivedMedia {
    pub(crate) account_id: Uuid,
    pub(crate) connection_id: Uuid,
    pub(crate) wamid: String,
    pub(crate) phone_number_id: String,
    pub(crate) media_id: String,
    /// What Meta says the file hashes to (hex or base64).
    pub(crate) sha256: String,
    pub(crate) mime_type: Option<String>,
}

impl ArrivedMedia {
    /// The media of a message's content (`content[type].id` and `.sha256`), if it has any.
    pub(crate) fn of(
        account_id: Uuid,
        connection_id: Uuid,
        phone_number_id: &str,
        wamid: &str,
        message_type: &str,
        content: &serde_json::Value,
    ) -> Option<Self> {
        let media = content.get(message_type)?;
        let text = |name: &str| media.get(name).and_then(|value| value.as_str()).map(str::to_owned);
        Some(Self {
            account_id,
            connection_id,
            wamid: wamid.to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            media_id: text("id")?,
            sha256: text("sha256")?,
            mime_type: text("mime_type"),
        })
    }
}

fn paths(dir: &Path, wamid: &str) -> (PathBuf, PathBuf) {
    let key = hex::encode(Sha256::digest(wamid.as_bytes()));
    (dir.join(format!("{key}.bin")), dir.join(format!("{key}.type")))
}

/// Fetches and keeps one arrived media item; failures are logged, never retried (the
/// media is still fetched through the upstream when asked for).
pub(crate) async fn fill(state: AppState, media: ArrivedMedia) {
    let Some(dir) = state.config().webhooks.media_cache_dir.clone() else { return };
    let Ok(_permit) = DOWNLOADS.acquire().await else { return };
    match tokio::time::timeout(FETCH_TIMEOUT, fetch_into(&state, &dir, &media)).await {
        Ok(Ok(())) => tracing::debug!(wamid = %media.wamid, "inbound media cached"),
        Ok(Err(reason)) => tracing::warn!(wamid = %media.wamid, reason = %reason, "inbound media not cached"),
        Err(_) => tracing::warn!(wamid = %media.wamid, "inbound media not cached: the download took too long"),
    }
}

async fn fetch_into(state: &AppState, dir: &Path, media: &ArrivedMedia) -> Result<(), String> {
    let connections = state.gateway_connections(media.account_id).await.map_err(|error| error.to_string())?;
    let connection = connections
        .iter()
        .find(|connection| connection.connection_id == media.connection_id)
        .ok_or("the connection is gone")?;
    let note = AccessNote::default();
    let response = media::stream(state, connection, &media.media_id, Some(&media.phone_number_id), &note)
        .await
        .map_err(|error| error.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the upstream answered {}", response.status()));
    }
    let mime_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| media.mime_type.clone());
    tokio::fs::create_dir_all(dir).await.map_err(|error| error.to_string())?;
    let (file_path, type_path) = paths(dir, &media.wamid);
    let partial = file_path.with_extension(format!("part-{}", Uuid::new_v4()));
    let outcome = write_checked(response.into_body(), &partial, &media.sha256).await;
    if let Err(reason) = outcome {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(reason);
    }
    tokio::fs::write(&type_path, mime_type.unwrap_or_else(|| "application/octet-stream".to_owned()))
        .await
        .map_err(|error| error.to_string())?;
    tokio::fs::rename(&partial, &file_path).await.map_err(|error| error.to_string())
}

/// Streams the body into `path`, bounded, and checks its hash against Meta's.
async fn write_checked(mut body: Body, path: &Path, expected: &str) -> Result<(), String> {
    let mut file = tokio::fs::File::create(path).await.map_err(|error| error.to_string())?;
    let mut hasher = Sha256::new();
    let mut written = 0_u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| error.to_string())?;
        let Ok(chunk) = frame.into_data() else { continue };
        written += chunk.len() as u64;
        if written > FILE_LIMIT {
            return Err("the file is larger than Meta's media limit".into());
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(|error| error.to_string())?;
    }
    file.flush().await.map_err(|error| error.to_string())?;
    if hash_matches(expected, &hasher.finalize()) {
        Ok(())
    } else {
        Err("the file's SHA-256 is not the one Meta sent".into())
    }
}

/// Meta writes the hash in hex in some payloads and in base64 in others.
fn hash_matches(expected: &str, digest: &[u8]) -> bool {
    expected.eq_ignore_ascii_case(&hex::encode(digest)) || expected == STANDARD.encode(digest)
}

/// The cached media of a message, streamed, if it is there and younger than 7 days.
pub(crate) async fn serve(state: &AppState, wamid: &str) -> Option<Response> {
    let dir = state.config().webhooks.media_cache_dir.as_ref()?;
    let (file_path, type_path) = paths(dir, wamid);
    let file = tokio::fs::File::open(&file_path).await.ok()?;
    let metadata = file.metadata().await.ok()?;
    if is_expired(metadata.modified().ok()?) {
        return None;
    }
    let mime_type = tokio::fs::read_to_string(&type_path).await.unwrap_or_default();
    let stream = tokio_util::io::ReaderStream::new(file);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(metadata.len()));
    if let Ok(value) = HeaderValue::from_str(mime_type.trim()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    Some(response)
}

fn is_expired(modified: SystemTime) -> bool {
    modified.elapsed().is_ok_and(|age| age > RETENTION)
}

/// Deletes cached files older than 7 days.
pub(crate) async fn forget_old(state: &AppState) {
    let Some(dir) = state.config().webhooks.media_cache_dir.as_ref() else { return };
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else { return };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let expired = entry.metadata().await.ok().and_then(|metadata| metadata.modified().ok()).is_some_and(is_expired);
        if expired {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_in_hex_or_base64_only_when_it_is_the_files() {
        let digest = Sha256::digest(b"photo");
        assert!(hash_matches(&hex::encode(digest), &digest));
        assert!(hash_matches(&hex::encode(digest).to_uppercase(), &digest));
        assert!(hash_matches(&STANDARD.encode(digest), &digest));
        assert!(!hash_matches(&STANDARD.encode(Sha256::digest(b"other")), &digest));
        assert!(!hash_matches("", &digest));
    }
}
