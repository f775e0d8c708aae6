//! A file about to be uploaded, as the CLI sees it first: read from a path or from stdin
//! (`--file -`), its kind told from its content, so that a mistake is said in the user's
//! terms ("a PDF is a document: use `wabagate send document`", sizes in MiB with the kind)
//! before any byte goes out.

use std::io::Read;
use std::path::{Path, PathBuf};

use wabagate_sdk::{MediaKind, MediaUpload, sniff_mime_type};

use super::failure::Failure;
use super::flag_terms::FieldPath;
use super::stdio;

/// Enough of a file's start to tell its type.
const HEAD_BYTES: u64 = 8192;

/// A file to upload, with what its content says it is.
pub(crate) struct MediaFile {
    /// How the file is named in messages: its path, or `stdin`.
    pub(crate) shown: String,
    pub(crate) path: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    pub(crate) mime_type: Option<String>,
}

impl MediaFile {
    /// Opens `path` (`-`: reads stdin, up to the largest size any kind allows, plus one
    /// byte so that a larger one is still reported as too large).
    pub(crate) fn open(path: &Path, mime_override: Option<&str>) -> Result<Self, Failure> {
        let (shown, stdin, head) = if stdio::is_dash(path) {
            let bytes = stdio::read_bytes("--file", MediaKind::Document.max_bytes_any() + 1)?;
            let head = bytes[..bytes.len().min(HEAD_BYTES as usize)].to_vec();
            ("stdin".to_owned(), Some(bytes), head)
        } else {
            let mut head = Vec::new();
            std::fs::File::open(path)
                .and_then(|file| file.take(HEAD_BYTES).read_to_end(&mut head))
                .map_err(|error| Failure::usage(format!("{}: {error}", path.display())))?;
            (path.display().to_string(), None, head)
        };
        let mime_type = mime_override.map(str::to_owned).or_else(|| sniff_mime_type(&head).map(str::to_owned));
        let path = (!stdio::is_dash(path)).then(|| path.to_owned());
        Ok(Self { shown, path, stdin, mime_type })
    }

    /// The kind its type says it is, if WhatsApp accepts the type.
    pub(crate) fn kind(&self) -> Option<MediaKind> {
        self.mime_type.as_deref().and_then(MediaKind::of_mime)
    }

    /// Refuses a file of another kind than the message carries, naming the right command.
    pub(crate) fn expect_kind(&self, expected: MediaKind) -> Result<(), Failure> {
        match (self.kind(), &self.mime_type) {
            (Some(actual), Some(mime_type)) if actual != expected => Err(Failure::Invalid(format!(
                "{} is {} ({mime_type}), not {}: use `wabagate send {}`",
                self.shown,
                noun(actual),
                noun(expected),
                actual.as_str()
            ))),
            _ => Ok(()),
        }
    }

    /// The SDK upload of this file.
    pub(crate) fn upload(self) -> MediaUpload {
        let upload = match (self.stdin, self.path) {
            (Some(bytes), _) => {
                let length = bytes.len() as u64;
                MediaUpload::from_reader(std::io::Cursor::new(bytes), length)
            }
            (None, Some(path)) => MediaUpload::from_path(path),
            (None, None) => MediaUpload::from_reader(std::io::Cursor::new(Vec::new()), 0),
        };
        match self.mime_type {
            Some(mime_type) => upload.mime_type(mime_type),
            None => upload,
        }
    }

    /// Flag names for the upload's rules: the file and its type are `--file`, with its kind.
    pub(crate) fn flag_terms(&self) -> impl Fn(&FieldPath) -> Option<String> + use<> {
        let kind = self.kind();
        move |field: &FieldPath| match field.path.as_str() {
            "file" | "type" => Some(match kind {
                Some(kind) => format!("--file ({})", noun(kind)),
                None => "--file".to_owned(),
            }),
            _ => None,
        }
    }
}

fn noun(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Audio => "an audio file",
        MediaKind::Document => "a document",
        MediaKind::Image => "an image",
        MediaKind::Sticker => "a sticker",
        MediaKind::Video => "a video",
    }
}
