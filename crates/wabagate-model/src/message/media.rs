//! Media messages: image, video, audio, document and sticker, each sent by uploaded media
//! id or by public link (whatsapp-cloud-api.md §2.4).

use serde::{Deserialize, Serialize};

use crate::limits::MEDIA_CAPTION_MAX;
use crate::violation::{Field, ValidationError, Violation, check_optional_text};

/// Where the media comes from: exactly one of `id` and `link` must be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// An image (JPEG/PNG), with an optional caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A video (MP4/3GPP), with an optional caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Video {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// An audio file or, with `voice: true`, a voice note. Audio has no caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audio {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<bool>,
}

/// A document; `filename` (with extension) decides the icon the recipient sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// A WebP sticker. Stickers have no caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sticker {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The uploaded media id or the link, once [`MediaRef::validate`] has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSource<'a> {
    Id(&'a str),
    Link(&'a str),
}

impl MediaRef {
    /// Exactly one of `id` and `link`; a link must be an http(s) URL.
    pub fn validate(&self, field: &Field) -> Result<MediaSource<'_>, ValidationError> {
        check_source(field, self.id.as_deref(), self.link.as_deref())
    }
}

/// The rule behind [`MediaRef::validate`], for the message types that carry `id`/`link` inline.
pub fn check_source<'a>(
    field: &Field,
    id: Option<&'a str>,
    link: Option<&'a str>,
) -> Result<MediaSource<'a>, ValidationError> {
    match (id, link) {
        (Some(id), None) if !id.trim().is_empty() => Ok(MediaSource::Id(id)),
        (Some(_), None) => Err(field.key("id").error(Violation::Empty)),
        (None, Some(link)) if is_http_url(link) => Ok(MediaSource::Link(link)),
        (None, Some(_)) => Err(field.key("link").error(Violation::Malformed { expected: "an http(s) URL" })),
        _ => Err(field.key("id").error(Violation::ExactlyOneOf { other: field.key("link").to_string() })),
    }
}

pub fn is_http_url(text: &str) -> bool {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace))
}

impl Image {
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = Field::root("image");
        check_source(&field, self.id.as_deref(), self.link.as_deref())?;
        check_optional_text(&field.key("caption"), self.caption.as_deref(), MEDIA_CAPTION_MAX)
    }
}

impl Video {
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = Field::root("video");
        check_source(&field, self.id.as_deref(), self.link.as_deref())?;
        check_optional_text(&field.key("caption"), self.caption.as_deref(), MEDIA_CAPTION_MAX)
    }
}

impl Audio {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_source(&Field::root("audio"), self.id.as_deref(), self.link.as_deref()).map(|_| ())
    }
}

impl Document {
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = Field::root("document");
        check_source(&field, self.id.as_deref(), self.link.as_deref())?;
        check_optional_text(&field.key("caption"), self.caption.as_deref(), MEDIA_CAPTION_MAX)
    }
}

impl Sticker {
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_source(&Field::root("sticker"), self.id.as_deref(), self.link.as_deref()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str) -> Option<String> {
        Some(url.into())
    }

    #[test]
    fn media_needs_exactly_one_of_id_and_link() {
        let both = Sticker { id: Some("1".into()), link: link("https://example.com/a.jpg") };
        let neither = Sticker { id: None, link: None };
        for sticker in [both, neither] {
            let error = sticker.validate().unwrap_err();
            assert_eq!(error.field, "sticker['id']");
            assert_eq!(error.violation, Violation::ExactlyOneOf { other: "sticker['link']".into() });
        }
    }

    #[test]
    fn a_link_must_be_an_http_url() {
        let error = Audio { id: None, link: link("ftp://example.com/a.mp3"), voice: None }.validate().unwrap_err();
        assert_eq!(error.field, "audio['link']");
        assert!(Audio { id: None, link: link("http://example.com/a.mp3"), voice: Some(true) }.validate().is_ok());
    }

    #[test]
    fn captions_are_limited_to_1024_characters() {
        let image = Image { id: None, link: link("https://example.com/a.jpg"), caption: Some("x".repeat(1025)) };
        let error = image.validate().unwrap_err();
        assert_eq!(error.field, "image['caption']");
        assert_eq!(error.violation, Violation::TooLong { max: 1024, actual: 1025 });
        let document = Document {
            id: Some("123".into()),
            link: None,
            caption: Some("x".repeat(1024)),
            filename: Some("report.pdf".into()),
        };
        assert_eq!(document.validate(), Ok(()));
        let video = Video { id: None, link: link("https://example.com/v.mp4"), caption: Some("y".repeat(1025)) };
        assert_eq!(video.validate().unwrap_err().field, "video['caption']");
    }
}
