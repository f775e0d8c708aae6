//! Media: upload from a file or a stream (type sniffed from the content and size checked
//! against the model's per-type limit before any byte is sent), look up the download URL,
//! download the content through the gateway, delete.

mod progress;
mod sniff;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;
use wabagate_model::media::{MediaKind, check_upload};
use wabagate_model::responses::{MediaInfo, MediaUploaded, SuccessResponse};
use wabagate_model::violation::{Field, Violation};

pub use progress::TransferProgress;
pub use sniff::sniff_mime_type;

use crate::client::Client;
use crate::error::Error;
use crate::response::ApiResponse;
use crate::send::require_id;
use crate::transport::Retry;
use progress::CountedStream;
use sniff::SNIFF_BYTES;

/// A file to upload, from a path or any async reader of known length.
///
/// ```no_run
/// # async fn run(client: wabagate_sdk::Client) -> Result<(), wabagate_sdk::Error> {
/// use wabagate_sdk::MediaUpload;
///
/// let uploaded = client.upload_media("PHONE_NUMBER_ID", MediaUpload::from_path("cat.jpg")).await?;
/// println!("media id {}", uploaded.id);
/// # Ok(()) }
/// ```
pub struct MediaUpload {
    source: UploadSource,
    kind: Option<MediaKind>,
    mime_type: Option<String>,
    file_name: Option<String>,
    progress: Option<Arc<dyn TransferProgress>>,
}

enum UploadSource {
    Path(PathBuf),
    Reader { reader: Box<dyn AsyncRead + Send + Unpin>, length: u64 },
}

impl MediaUpload {
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        Self { source: UploadSource::Path(path.into()), kind: None, mime_type: None, file_name: None, progress: None }
    }

    /// A stream of exactly `length` bytes (the size is checked before anything is read).
    pub fn from_reader(reader: impl AsyncRead + Send + Unpin + 'static, length: u64) -> Self {
        Self {
            source: UploadSource::Reader { reader: Box::new(reader), length },
            kind: None,
            mime_type: None,
            file_name: None,
            progress: None,
        }
    }

    /// Refuse the file unless it is of this kind (an image for an image message, …).
    pub fn expect_kind(mut self, kind: MediaKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Use this MIME type instead of the one sniffed from the content.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// The file name sent with the upload (defaults to the path's name, or `upload`).
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    pub fn progress(mut self, progress: Arc<dyn TransferProgress>) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// What [`Client::download_media`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub bytes: u64,
    pub mime_type: Option<String>,
}

impl Client {
    /// Uploads a file for `phone_number_id` and returns its media id. The MIME type comes
    /// from the content (or [`MediaUpload::mime_type`]); an unsupported type, an empty file
    /// or one over its kind's size limit fails with [`Error::Invalid`] before the upload.
    /// Uploads are never retried (the stream cannot be replayed).
    pub async fn upload_media(
        &self,
        phone_number_id: &str,
        upload: MediaUpload,
    ) -> Result<ApiResponse<MediaUploaded>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        let (mut reader, length, default_name, path): (Box<dyn AsyncRead + Send + Unpin>, u64, String, PathBuf) =
            match upload.source {
                UploadSource::Path(path) => {
                    let file_error = |source| Error::File { path: path.clone(), source };
                    let file = tokio::fs::File::open(&path).await.map_err(file_error)?;
                    let length = file.metadata().await.map_err(file_error)?.len();
                    let name = path.file_name().map_or_else(|| "upload".into(), |name| name.to_string_lossy().into());
                    (Box::new(file), length, name, path)
                }
                UploadSource::Reader { reader, length } => (reader, length, "upload".into(), PathBuf::from("<stream>")),
            };
        let head = read_head(&mut reader, length).await.map_err(|source| Error::File { path: path.clone(), source })?;
        let mime_type = match upload.mime_type {
            Some(mime_type) => mime_type,
            None => sniff_mime_type(&head).map(str::to_owned).ok_or_else(|| {
                Field::root("file").error(Violation::Malformed {
                    expected: "a file type WhatsApp accepts (give the MIME type if it is not recognised from the content)",
                })
            })?,
        };
        let kind = check_upload(&Field::root("type"), &mime_type, length, &head)?;
        if upload.kind.is_some_and(|expected| expected != kind) {
            return Err(Field::root("file").error(Violation::NotAllowed { value: mime_type }).into());
        }

        if let Some(progress) = &upload.progress {
            progress.started(Some(length));
        }
        let head = Bytes::from(head);
        let rest = ReaderStream::with_capacity(reader.take(length - head.len() as u64), 64 * 1024);
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(head)]).chain(rest);
        let counted = CountedStream { inner: chunks, progress: upload.progress.clone() };
        let part = Part::stream_with_length(reqwest::Body::wrap_stream(counted), length)
            .file_name(upload.file_name.unwrap_or(default_name))
            .mime_str(&mime_type)
            .map_err(|_| Field::root("type").error(Violation::NotAllowed { value: mime_type.clone() }))?;
        // Meta's documented order: file, type, messaging_product.
        let form = Form::new().part("file", part).text("type", mime_type.clone()).text("messaging_product", "whatsapp");

        let url = self.graph_url(&[phone_number_id, "media"]);
        // The form holds a one-shot stream: `execute` may call this once, which `Retry::Never` ensures.
        let form = std::sync::Mutex::new(Some(form));
        let result = self
            .execute_json(Retry::Never, || {
                let form = form.lock().expect("not poisoned").take().unwrap_or_default();
                self.request(Method::POST, url.clone()).multipart(form)
            })
            .await;
        if let Some(progress) = &upload.progress {
            progress.finished();
        }
        result
    }

    /// The media's (short-lived) download URL, type, size and hash.
    pub async fn media_info(&self, media_id: &str) -> Result<ApiResponse<MediaInfo>, Error> {
        require_id("media_id", media_id)?;
        let url = self.graph_url(&[media_id]);
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// Deletes uploaded media.
    pub async fn delete_media(&self, media_id: &str) -> Result<ApiResponse<SuccessResponse>, Error> {
        require_id("media_id", media_id)?;
        let url = self.graph_url(&[media_id]);
        self.execute_json(Retry::Idempotent, || self.request(Method::DELETE, url.clone())).await
    }

    /// Downloads the media's content through the gateway into `writer`, streaming.
    /// `phone_number_id` (optional) tells the gateway which number's connection owns it.
    pub async fn download_media_to(
        &self,
        media_id: &str,
        phone_number_id: Option<&str>,
        writer: &mut (impl tokio::io::AsyncWrite + Unpin),
        progress: Option<Arc<dyn TransferProgress>>,
    ) -> Result<Downloaded, Error> {
        require_id("media_id", media_id)?;
        let mut url = self.control_url(&["whatsapp-business", "media", media_id, "content"]);
        if let Some(phone_number_id) = phone_number_id {
            url.query_pairs_mut().append_pair("phone_number_id", phone_number_id);
        }
        let response = self.execute(Retry::Idempotent, || self.request(Method::GET, url.clone())).await?;
        let mime_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if let Some(progress) = &progress {
            progress.started(response.content_length());
        }
        let url_text = url.to_string();
        let mut stream = response.bytes_stream();
        let mut written = 0u64;
        let outcome = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|source| Error::Transport { url: url_text.clone(), source })?;
                writer
                    .write_all(&chunk)
                    .await
                    .map_err(|source| Error::File { path: PathBuf::from("<output>"), source })?;
                written += chunk.len() as u64;
                if let Some(progress) = &progress {
                    progress.advanced(chunk.len() as u64);
                }
            }
            writer.flush().await.map_err(|source| Error::File { path: PathBuf::from("<output>"), source })
        }
        .await;
        if let Some(progress) = &progress {
            progress.finished();
        }
        outcome?;
        Ok(Downloaded { bytes: written, mime_type })
    }

    /// [`Client::download_media_to`] a file at `path` (created or truncated). On failure
    /// the partial file is removed.
    pub async fn download_media(
        &self,
        media_id: &str,
        phone_number_id: Option<&str>,
        path: &Path,
        progress: Option<Arc<dyn TransferProgress>>,
    ) -> Result<Downloaded, Error> {
        let file_error = |source| Error::File { path: path.to_owned(), source };
        let mut file = tokio::fs::File::create(path).await.map_err(file_error)?;
        let outcome = self.download_media_to(media_id, phone_number_id, &mut file, progress).await;
        if outcome.is_err() {
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
        }
        outcome.map_err(|error| match error {
            Error::File { source, .. } => Error::File { path: path.to_owned(), source },
            other => other,
        })
    }
}

/// Reads up to [`SNIFF_BYTES`] (never past `length`) from the start of the file.
async fn read_head(reader: &mut (impl AsyncRead + Unpin), length: u64) -> std::io::Result<Vec<u8>> {
    let wanted = usize::try_from(length).unwrap_or(usize::MAX).min(SNIFF_BYTES);
    let mut head = vec![0; wanted];
    let mut filled = 0;
    while filled < wanted {
        let read = reader.read(&mut head[filled..]).await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    head.truncate(filled);
    Ok(head)
}
