//! Meta's resumable upload API, which profile pictures and template header samples use:
//! `POST /{app_id}/uploads?file_name=…&file_length=…&file_type=…` opens a session,
//! `POST /upload:{session}` (header `file_offset`) sends bytes and answers the file handle
//! `h` once complete, `GET /upload:{session}` tells how far it got.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use http_body::Body as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use wabagate_model::media::LARGEST_MEDIA_BYTES;

use super::error::GraphError;
use super::request::GraphCall;
use crate::oauth::apps::MetaApp;
use crate::state::SandboxState;
use crate::upload_sessions::UploadSession;

/// The file types Meta's upload API takes.
const FILE_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"];

pub(super) fn open(state: &SandboxState, call: &GraphCall, app: &MetaApp) -> Result<Response, GraphError> {
    let name = call
        .query("file_name")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| GraphError::missing_parameter("file_name"))?;
    let length: u64 = call
        .query("file_length")
        .ok_or_else(|| GraphError::missing_parameter("file_length"))?
        .parse()
        .map_err(|_| GraphError::invalid_parameter("Param file_length must be a positive integer."))?;
    if length == 0 || length > LARGEST_MEDIA_BYTES {
        return Err(GraphError::invalid_parameter(format!(
            "Param file_length must be between 1 and {LARGEST_MEDIA_BYTES}."
        )));
    }
    let file_type = call.query("file_type").ok_or_else(|| GraphError::missing_parameter("file_type"))?;
    if !FILE_TYPES.contains(&file_type) {
        return Err(GraphError::invalid_parameter(format!(
            "Param file_type must be one of {}.",
            FILE_TYPES.join(", ")
        )));
    }
    let session = STANDARD.encode(format!("{}:{}", app.app_id, state.ids().next_id()));
    state.uploads().open(
        session.clone(),
        UploadSession {
            app_id: app.app_id.clone(),
            file_name: name.to_owned(),
            file_type: file_type.to_owned(),
            file_length: length,
            offset: 0,
            hasher: Sha256::new(),
            created_at: call.now,
        },
    );
    Ok(Json(json!({"id": format!("upload:{session}")})).into_response())
}

fn unknown_session(id: &str) -> GraphError {
    GraphError::invalid_parameter(format!("Upload session upload:{id} does not exist."))
}

pub(super) fn status(state: &SandboxState, session_id: &str) -> Result<Response, GraphError> {
    let session = state.uploads().get(session_id).ok_or_else(|| unknown_session(session_id))?;
    Ok(Json(json!({"id": format!("upload:{session_id}"), "file_offset": session.offset})).into_response())
}

/// Receives bytes from `file_offset` (which must be where the session is) to at most the
/// announced length.
pub(super) async fn receive(
    state: &SandboxState,
    call: &GraphCall,
    session_id: &str,
    body: Body,
) -> Result<Response, GraphError> {
    let session = state.uploads().get(session_id).ok_or_else(|| unknown_session(session_id))?;
    if call.token.app_id != session.app_id {
        return Err(unknown_session(session_id));
    }
    let offset: u64 = call
        .headers
        .get("file_offset")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("0")
        .trim()
        .parse()
        .map_err(|_| GraphError::invalid_parameter("Header file_offset must be a number."))?;
    if offset != session.offset {
        return Err(GraphError::invalid_parameter(format!(
            "Header file_offset is {offset} but the session has received {} bytes.",
            session.offset
        )));
    }
    let room = session.file_length - session.offset;
    if body.size_hint().lower() > room {
        return Err(GraphError::invalid_parameter(format!(
            "The body is larger than the {room} bytes left of file_length."
        )));
    }
    let mut hasher = session.hasher.clone();
    let mut received = 0_u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| GraphError::unparsable_body("the upload was interrupted"))?;
        received += chunk.len() as u64;
        if received > room {
            return Err(GraphError::invalid_parameter(format!(
                "The body is larger than the {room} bytes left of file_length."
            )));
        }
        hasher.update(&chunk);
    }
    let handle = state
        .uploads()
        .update(session_id, |stored| {
            stored.offset += received;
            stored.hasher = hasher;
            (stored.offset == stored.file_length).then(|| {
                let digest = hex::encode(stored.hasher.clone().finalize());
                format!(
                    "4:{}:{}",
                    STANDARD.encode(&stored.file_name),
                    STANDARD.encode(format!("{}:{digest}", stored.file_type))
                )
            })
        })
        .ok_or_else(|| unknown_session(session_id))?;
    match handle {
        Some(handle) => Ok(Json(json!({"h": handle})).into_response()),
        None => {
            Ok(Json(json!({"id": format!("upload:{session_id}"), "file_offset": offset + received})).into_response())
        }
    }
}
