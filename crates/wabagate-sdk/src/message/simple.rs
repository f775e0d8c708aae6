//! The message types whose content is one small model struct: text, location, reaction, pin.

use wabagate_model::ValidationError;
use wabagate_model::message::{Coordinate, Location, MessageContent, Pin, Reaction, Text};

use super::{Content, Draft, Message};

impl Message {
    /// A text message; `body` is at most 4096 characters.
    pub fn text(to: impl Into<String>, body: impl Into<String>) -> Draft<Text> {
        Message::draft(to, Text { body: body.into(), preview_url: None })
    }

    /// A pin on the map, in decimal degrees.
    pub fn location(to: impl Into<String>, latitude: f64, longitude: f64) -> Draft<Location> {
        let location = Location {
            latitude: Coordinate::Number(latitude),
            longitude: Coordinate::Number(longitude),
            name: None,
            address: None,
        };
        Message::draft(to, location)
    }

    /// An emoji reaction to `message_id`; an empty emoji removes the reaction.
    pub fn reaction(to: impl Into<String>, message_id: impl Into<String>, emoji: impl Into<String>) -> Draft<Reaction> {
        Message::draft(to, Reaction { message_id: message_id.into(), emoji: emoji.into() })
    }

    /// Pins the group's message `message_id` for `expiration_days` (1 to 30); only groups
    /// have pins, so the draft is already [`Draft::for_group`].
    pub fn pin(group_id: impl Into<String>, message_id: impl Into<String>, expiration_days: u32) -> Draft<Pin> {
        Message::draft(group_id, Pin::Pin { message_id: message_id.into(), expiration_days }).for_group()
    }

    /// Ends the pin of the group's message `message_id`.
    pub fn unpin(group_id: impl Into<String>, message_id: impl Into<String>) -> Draft<Pin> {
        Message::draft(group_id, Pin::Unpin { message_id: message_id.into() }).for_group()
    }
}

impl Draft<Text> {
    /// Render a preview of the first URL in the body.
    pub fn preview_url(mut self, preview_url: bool) -> Self {
        self.content.preview_url = Some(preview_url);
        self
    }
}

impl Draft<Location> {
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.content.name = Some(name.into());
        self
    }

    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.content.address = Some(address.into());
        self
    }
}

impl Content for Text {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Text(self))
    }
}

impl Content for Location {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Location(self))
    }
}

impl Content for Reaction {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Reaction(self))
    }
}

impl Content for Pin {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Pin(self))
    }
}
