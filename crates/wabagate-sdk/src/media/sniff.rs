//! Telling a file's MIME type from its first bytes. Which types WhatsApp accepts is the
//! model's table; this only recognises file formats, and maps the sniffer's spellings to
//! the ones Meta lists.

/// How many leading bytes are read for sniffing (and for the animated-sticker check).
pub(crate) const SNIFF_BYTES: usize = 8192;

/// The MIME type of a file starting with `head`, or `None` when it is not recognised.
/// Text (UTF-8 without NUL bytes) is `text/plain`.
pub fn sniff_mime_type(head: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(head) {
        return Some(match kind.mime_type() {
            // infer's names for types Meta lists under another name.
            "audio/m4a" | "audio/x-m4a" => "audio/mp4",
            "audio/x-aac" => "audio/aac",
            "video/3gp" => "video/3gpp",
            other => other,
        });
    }
    looks_like_text(head).then_some("text/plain")
}

fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // The head may end in the middle of a multi-byte character.
        Err(error) => error.error_len().is_none() && head.len() - error.valid_up_to() < 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_media_formats_are_recognised() {
        assert_eq!(sniff_mime_type(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Some("image/jpeg"));
        assert_eq!(sniff_mime_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff_mime_type(b"%PDF-1.7\n%\xe2\xe3"), Some("application/pdf"));
        assert_eq!(sniff_mime_type(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime_type(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom"), Some("video/mp4"));
        assert_eq!(sniff_mime_type(b"OggS\0\x02\0\0\0\0\0\0\0\0"), Some("audio/ogg"));
        assert_eq!(sniff_mime_type(b"ID3\x03\0\0\0\0\0\0"), Some("audio/mpeg"));
    }

    #[test]
    fn utf8_text_is_plain_text_even_when_cut_mid_character() {
        assert_eq!(sniff_mime_type("héllo".as_bytes()), Some("text/plain"));
        let cut = &"é".as_bytes()[..1];
        assert_eq!(sniff_mime_type(&[b"abc".as_slice(), cut].concat()), Some("text/plain"));
    }

    #[test]
    fn binary_garbage_is_not_recognised() {
        assert_eq!(sniff_mime_type(&[0, 1, 2, 3, 0xFE, 0xFF]), None);
        assert_eq!(sniff_mime_type(b""), None);
    }
}
