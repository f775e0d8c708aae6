//! Media: `POST /{phone_number_id}/media` (multipart upload), `GET` and `DELETE /{media_id}`,
//! and the download URL `GET /{media_id}` hands out (whatsapp-cloud-api.md §3).
//!
//! The download URL mimics Meta's `lookaside.fbsbx.com/whatsapp_business/attachments/?mid=…`
//! as a path on the sandbox's own origin; it is signed, expires after five minutes and
//! answers only with a valid Bearer token, like Meta's.

use std::convert::Infallible;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;
use sha2::{Digest, Sha256};
use wabagate_model::error_code;
use wabagate_model::limits::MEDIA_URL_TTL_SECONDS;
use wabagate_model::media::{LARGEST_MEDIA_BYTES, MediaKind, check_upload, extension_for_mime};
use wabagate_model::{Field, Violation};

use super::MESSAGING;
use super::error::GraphError;
use super::request::{GraphCall, bearer_token};
use crate::business::PhoneNumber;
use crate::media_store::StoredMedia;
use crate::state::SandboxState;

/// The path of download URLs, on the sandbox's own origin.
pub(super) const ATTACHMENTS_PATH: &str = "/whatsapp_business/attachments/";

/// How much of a file is kept aside to recognise its format (animated WebP).
const HEAD_BYTES: usize = 32;

pub(super) async fn upload(
    state: &SandboxState,
    call: &GraphCall,
    phone_number: &PhoneNumber,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|rejection| {
        GraphError::invalid_parameter(format!("The body must be multipart/form-data: {rejection}"))
    })?;
    let mut messaging_product = call.query("messaging_product").map(str::to_owned);
    let mut declared_type = None;
    let mut file: Option<ReceivedFile> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let part_type = field.content_type().map(str::to_owned);
                let mut received = ReceivedFile { part_type, ..ReceivedFile::default() };
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    received.push(chunk)?;
                }
                file = Some(received);
            }
            "type" => declared_type = Some(field.text().await.map_err(malformed)?),
            "messaging_product" => messaging_product = Some(field.text().await.map_err(malformed)?),
            _ => {}
        }
    }
    match messaging_product.as_deref() {
        None => return Err(GraphError::missing_parameter("messaging_product")),
        Some("whatsapp") => {}
        Some(other) => {
            return Err(GraphError::invalid_parameter(format!(
                "Param messaging_product has an invalid value '{other}'."
            )));
        }
    }
    let file = file.ok_or_else(|| GraphError::missing_parameter("file"))?;
    // Meta asks for `type`; older clients rely on the file part's own content type.
    let mime = declared_type.or_else(|| file.part_type.clone()).ok_or_else(|| GraphError::missing_parameter("type"))?;
    if MediaKind::of_mime(&mime).is_none() {
        return Err(GraphError::unsupported_upload_type(&mime));
    }
    check_upload(&Field::root("type"), &mime, file.size, &file.head)
        .map_err(|error| GraphError::whatsapp(error_code::MEDIA_UPLOAD_ERROR, error.details()))?;
    let id = state.ids().next_id();
    state.media().insert(StoredMedia {
        id: id.clone(),
        phone_number_id: phone_number.id.clone(),
        waba_id: phone_number.waba_id.clone(),
        mime_type: mime,
        sha256: hex::encode(file.hasher.finalize()),
        file_size: file.size,
        uploaded_at: call.now,
        chunks: file.chunks,
    });
    Ok(Json(json!({"id": id})).into_response())
}

fn malformed(error: axum::extract::multipart::MultipartError) -> GraphError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(LARGEST_MEDIA_BYTES.saturating_add(1));
    }
    GraphError::invalid_parameter(format!("The multipart body could not be read: {}", error.body_text()))
}

fn too_large(actual_bytes: u64) -> GraphError {
    let error = Field::root("file").error(Violation::TooLarge { max_bytes: LARGEST_MEDIA_BYTES, actual_bytes });
    GraphError::whatsapp(error_code::MEDIA_UPLOAD_ERROR, error.details())
}

/// A file part as it streams in: its chunks (kept, not copied), running hash and size.
#[derive(Default)]
struct ReceivedFile {
    part_type: Option<String>,
    chunks: Vec<Bytes>,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

impl ReceivedFile {
    fn push(&mut self, chunk: Bytes) -> Result<(), GraphError> {
        self.size += chunk.len() as u64;
        if self.size > LARGEST_MEDIA_BYTES {
            return Err(too_large(self.size));
        }
        self.hasher.update(&chunk);
        let room = HEAD_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        self.chunks.push(chunk);
        Ok(())
    }
}

/// `?phone_number_id=` restricts the call to media of that number.
fn check_owner(call: &GraphCall, media: &StoredMedia) -> Result<(), GraphError> {
    match call.query("phone_number_id") {
        Some(phone_number_id) if phone_number_id != media.phone_number_id => {
            Err(GraphError::unknown_object(&call.method, &media.id))
        }
        _ => Ok(()),
    }
}

pub(super) fn info(state: &SandboxState, call: &GraphCall, media: &StoredMedia) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    check_owner(call, media)?;
    let expires = call.now + i64::try_from(MEDIA_URL_TTL_SECONDS).unwrap_or(300);
    let url = format!(
        "{}{ATTACHMENTS_PATH}?mid={}&ext={expires}&hash={}&type={}",
        state.public_url(),
        media.id,
        url_signature(state, &media.id, expires),
        extension_for_mime(&media.mime_type),
    );
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.file_size,
        "id": media.id,
    }))
    .into_response())
}

pub(super) fn delete(state: &SandboxState, call: &GraphCall, media: &StoredMedia) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    check_owner(call, media)?;
    state.media().remove(&media.id);
    Ok(Json(json!({"success": true})).into_response())
}

fn url_signature(state: &SandboxState, media_id: &str, expires: i64) -> String {
    let digest = Sha256::new()
        .chain_update(state.media_url_secret())
        .chain_update(b":")
        .chain_update(media_id)
        .chain_update(b":")
        .chain_update(expires.to_string())
        .finalize();
    hex::encode(&digest[..16])
}

/// `GET /whatsapp_business/attachments/?mid=…&ext=…&hash=…`: the file's bytes, streamed
/// from the chunks it was uploaded in. Anything wrong (expired or forged URL, missing or
/// bad token, deleted media) is a bare 404, as on Meta's CDN.
pub async fn download_attachment(State(state): State<SandboxState>, request: Request) -> Response {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes()).into_owned().collect();
    let parameter = |name: &str| query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let not_found = || (StatusCode::NOT_FOUND, "Not Found").into_response();
    let (Some(media_id), Some(expires), Some(signature)) = (parameter("mid"), parameter("ext"), parameter("hash"))
    else {
        return not_found();
    };
    let Ok(expires) = expires.parse::<i64>() else { return not_found() };
    let now = state.clock().unix();
    if expires < now || url_signature(&state, media_id, expires) != signature {
        return not_found();
    }
    let presented = bearer_token(request.headers()).or_else(|| parameter("access_token").map(str::to_owned));
    let Ok(token) = state.tokens().authorize(presented.as_deref(), state.clock()) else { return not_found() };
    let Some(media) = state.media().get(media_id).filter(|media| token.may_use_waba(&media.waba_id)) else {
        return not_found();
    };
    let chunks = futures_util::stream::iter(media.chunks.into_iter().map(Ok::<Bytes, Infallible>));
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = media.mime_type.parse() {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_LENGTH, media.file_size.into());
    response
}
