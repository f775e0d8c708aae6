//! Media messages (image, document, video, audio, sticker), by uploaded media id or by
//! public link.

use wabagate_model::ValidationError;
use wabagate_model::message::{Audio, Document, Image, MediaRef, MessageContent, Sticker, Video};

use super::{Content, Draft, Message};

/// Where a media message's file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// An id returned by [`crate::Client::upload_media`].
    Id(String),
    /// A public http(s) URL Meta fetches the file from.
    Link(String),
}

impl Media {
    pub fn id(id: impl Into<String>) -> Self {
        Media::Id(id.into())
    }

    pub fn link(url: impl Into<String>) -> Self {
        Media::Link(url.into())
    }

    /// `(id, link)` as the model's structs hold them.
    pub(crate) fn into_fields(self) -> (Option<String>, Option<String>) {
        match self {
            Media::Id(id) => (Some(id), None),
            Media::Link(link) => (None, Some(link)),
        }
    }

    pub(crate) fn into_ref(self) -> MediaRef {
        let (id, link) = self.into_fields();
        MediaRef { id, link }
    }
}

impl Message {
    /// A JPEG or PNG image; caption at most 1024 characters.
    pub fn image(to: impl Into<String>, media: Media) -> Draft<Image> {
        let (id, link) = media.into_fields();
        Message::draft(to, Image { id, link, caption: None })
    }

    /// A document; `filename` decides the icon and name the recipient sees.
    pub fn document(to: impl Into<String>, media: Media) -> Draft<Document> {
        let (id, link) = media.into_fields();
        Message::draft(to, Document { id, link, caption: None, filename: None })
    }

    /// An MP4 or 3GPP video; caption at most 1024 characters.
    pub fn video(to: impl Into<String>, media: Media) -> Draft<Video> {
        let (id, link) = media.into_fields();
        Message::draft(to, Video { id, link, caption: None })
    }

    /// An audio file (no caption); [`Draft::<Audio>::voice`] makes it a voice note.
    pub fn audio(to: impl Into<String>, media: Media) -> Draft<Audio> {
        let (id, link) = media.into_fields();
        Message::draft(to, Audio { id, link, voice: None })
    }

    /// A WebP sticker (no caption).
    pub fn sticker(to: impl Into<String>, media: Media) -> Draft<Sticker> {
        let (id, link) = media.into_fields();
        Message::draft(to, Sticker { id, link })
    }
}

impl Draft<Image> {
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.content.caption = Some(caption.into());
        self
    }
}

impl Draft<Video> {
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.content.caption = Some(caption.into());
        self
    }
}

impl Draft<Document> {
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.content.caption = Some(caption.into());
        self
    }

    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.content.filename = Some(filename.into());
        self
    }
}

impl Draft<Audio> {
    /// Send as a voice note (an OGG/Opus file) rather than an audio file.
    pub fn voice(mut self, voice: bool) -> Self {
        self.content.voice = Some(voice);
        self
    }
}

impl Content for Image {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Image(self))
    }
}

impl Content for Document {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Document(self))
    }
}

impl Content for Video {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Video(self))
    }
}

impl Content for Audio {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Audio(self))
    }
}

impl Content for Sticker {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Sticker(self))
    }
}
