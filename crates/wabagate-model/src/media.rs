//! Which files WhatsApp accepts as media: MIME types and per-kind size limits
//! (whatsapp-cloud-api.md §3.2). Sizes use binary units (1 MB = 1 MiB), the reading under
//! which no file Meta accepts is refused here.

use crate::violation::{Field, ValidationError, Violation};

/// The media kinds of the Cloud API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Audio,
    Document,
    Image,
    Sticker,
    Video,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Every MIME type Meta accepts, with its kind.
pub const SUPPORTED_MIME_TYPES: &[(&str, MediaKind)] = &[
    ("audio/aac", MediaKind::Audio),
    ("audio/amr", MediaKind::Audio),
    ("audio/mpeg", MediaKind::Audio),
    ("audio/mp4", MediaKind::Audio),
    ("audio/ogg", MediaKind::Audio),
    ("text/plain", MediaKind::Document),
    ("application/pdf", MediaKind::Document),
    ("application/msword", MediaKind::Document),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", MediaKind::Document),
    ("application/vnd.ms-excel", MediaKind::Document),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", MediaKind::Document),
    ("application/vnd.ms-powerpoint", MediaKind::Document),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", MediaKind::Document),
    ("image/jpeg", MediaKind::Image),
    ("image/png", MediaKind::Image),
    ("image/webp", MediaKind::Sticker),
    ("video/mp4", MediaKind::Video),
    ("video/3gpp", MediaKind::Video),
    // whatsapp-api-js spells 3GPP this way; Meta's page does not, so both are accepted.
    ("video/3gp", MediaKind::Video),
];

/// The largest file any kind accepts (documents): what a server must be ready to receive.
pub const LARGEST_MEDIA_BYTES: u64 = 100 * MIB;

impl MediaKind {
    /// The kind of a MIME type, ignoring parameters (`audio/ogg; codecs=opus`) and case.
    pub fn of_mime(mime: &str) -> Option<Self> {
        let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        SUPPORTED_MIME_TYPES.iter().find(|(known, _)| *known == essence).map(|(_, kind)| *kind)
    }

    /// The largest file of this kind; stickers allow more when animated.
    pub fn max_bytes(self, animated: bool) -> u64 {
        match self {
            MediaKind::Audio | MediaKind::Video => 16 * MIB,
            MediaKind::Document => LARGEST_MEDIA_BYTES,
            MediaKind::Image => 5 * MIB,
            MediaKind::Sticker if animated => 500 * KIB,
            MediaKind::Sticker => 100 * KIB,
        }
    }

    /// The largest file of this kind under any circumstances (for limiting an upload before
    /// its content is known).
    pub fn max_bytes_any(self) -> u64 {
        self.max_bytes(true)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Image => "image",
            MediaKind::Sticker => "sticker",
            MediaKind::Video => "video",
        }
    }
}

/// Checks an upload: a supported MIME type (`field` names where it came from) and a size
/// within the kind's limit. `head` is the start of the file, used to tell animated WebP
/// stickers from static ones.
pub fn check_upload(field: &Field, mime: &str, size: u64, head: &[u8]) -> Result<MediaKind, ValidationError> {
    let kind = MediaKind::of_mime(mime).ok_or_else(|| field.error(Violation::NotAllowed { value: mime.to_owned() }))?;
    let max = kind.max_bytes(kind == MediaKind::Sticker && webp_is_animated(head));
    if size > max {
        return Err(Field::root("file").error(Violation::TooLarge { max_bytes: max, actual_bytes: size }));
    }
    if size == 0 {
        return Err(Field::root("file").error(Violation::Empty));
    }
    Ok(kind)
}

/// Whether a WebP file is animated: an extended (`VP8X`) header with the animation flag.
pub fn webp_is_animated(head: &[u8]) -> bool {
    head.len() > 20
        && &head[0..4] == b"RIFF"
        && &head[8..12] == b"WEBP"
        && &head[12..16] == b"VP8X"
        && head[20] & 0x02 != 0
}

/// The file extension Meta's download URLs and inbound media use for a MIME type.
pub fn extension_for_mime(mime: &str) -> &'static str {
    match mime.split(';').next().unwrap_or_default().trim() {
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/ogg" => "ogg",
        "text/plain" => "txt",
        "application/pdf" => "pdf",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "image/jpeg" => "jpeg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" | "video/3gp" => "3gp",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field() -> Field {
        Field::root("type")
    }

    #[test]
    fn mime_types_map_to_kinds_ignoring_parameters_and_case() {
        assert_eq!(MediaKind::of_mime("audio/ogg; codecs=opus"), Some(MediaKind::Audio));
        assert_eq!(MediaKind::of_mime("IMAGE/JPEG"), Some(MediaKind::Image));
        assert_eq!(MediaKind::of_mime("video/3gp"), Some(MediaKind::Video));
        assert_eq!(MediaKind::of_mime("image/gif"), None);
    }

    #[test]
    fn each_kind_has_its_size_limit() {
        assert!(check_upload(&field(), "image/png", 5 * MIB, b"").is_ok());
        let error = check_upload(&field(), "image/png", 5 * MIB + 1, b"").unwrap_err();
        assert_eq!(error.field, "file");
        assert!(check_upload(&field(), "video/mp4", 16 * MIB + 1, b"").is_err());
        assert!(check_upload(&field(), "audio/mpeg", 16 * MIB, b"").is_ok());
        assert!(check_upload(&field(), "application/pdf", 100 * MIB, b"").is_ok());
        assert!(check_upload(&field(), "application/pdf", 100 * MIB + 1, b"").is_err());
    }

    #[test]
    fn animated_stickers_may_be_larger_than_static_ones() {
        let mut animated = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0".to_vec();
        animated.extend_from_slice(&[0x02, 0, 0, 0]);
        assert!(webp_is_animated(&animated));
        assert!(check_upload(&field(), "image/webp", 200 * KIB, &animated).is_ok());
        assert!(check_upload(&field(), "image/webp", 200 * KIB, b"RIFF\0\0\0\0WEBPVP8 ").is_err());
    }

    #[test]
    fn unsupported_types_and_empty_files_are_refused() {
        let error = check_upload(&field(), "image/gif", 10, b"").unwrap_err();
        assert_eq!(error.violation, Violation::NotAllowed { value: "image/gif".into() });
        assert_eq!(check_upload(&field(), "image/png", 0, b"").unwrap_err().violation, Violation::Empty);
    }
}
