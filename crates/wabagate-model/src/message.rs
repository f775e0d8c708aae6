//! The body of `POST /{phone_number_id}/messages`: a send of one of Meta's message types, or
//! a read receipt. [`MessageRequest::from_json`] reads it the way Meta does (the content
//! sits under a key named after `type`), and each type's module owns its own rules, which
//! [`MessageContent::validate`] dispatches to.

mod contacts;
mod interactive;
mod location;
mod mark_read;
mod media;
mod parse;
mod pin;
mod reaction;
mod template;
mod text;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

pub use contacts::{Contact, ContactEmail, ContactName, ContactPhone, validate_contacts};
pub use interactive::{
    ButtonAction, ButtonKind, ButtonMessage, Header, Interactive, ListAction, ListKind, ListMessage, Reply,
    ReplyButton, ReplyKind, Row, Section, TextPart,
};
pub use location::{Coordinate, Location};
pub use mark_read::{MarkRead, TypingIndicator};
pub use media::{Audio, Document, Image, MediaRef, MediaSource, Sticker, Video, check_source, is_http_url};
pub(crate) use parse::parse_part;
pub use pin::Pin;
pub use reaction::Reaction;
pub use template::{
    ButtonIndex, ComponentKind, ComponentParameters, DocumentParameter, Parameter, TemplateLanguage, TemplateMessage,
};
pub use text::Text;

use crate::limits::CALLBACK_DATA_MAX;
use crate::violation::{Field, ValidationError, Violation, check_optional_text};

/// What a `/messages` body asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageRequest {
    Send(OutgoingMessage),
    MarkRead(MarkRead),
}

/// A message to one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// `individual` (default) or `group`.
    pub recipient_type: Option<String>,
    /// The recipient as the business wrote it (see [`crate::phone::normalize_recipient`]),
    /// or a group id when `recipient_type` is `group`.
    pub to: String,
    /// Quote an earlier message (a contextual reply).
    pub context: Option<Context>,
    /// Echoed back in every status webhook for this message.
    pub biz_opaque_callback_data: Option<String>,
    pub content: MessageContent,
}

/// `{"message_id": "wamid.…"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub message_id: String,
}

/// The content of a message, one variant per `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContent {
    Text(Text),
    Image(Image),
    Audio(Audio),
    Video(Video),
    Document(Document),
    Sticker(Sticker),
    Location(Location),
    Contacts(Vec<Contact>),
    Interactive(Interactive),
    Template(TemplateMessage),
    Reaction(Reaction),
    Pin(Pin),
}

impl MessageContent {
    /// Meta's name for the type (the value of `type` and the key holding the content).
    pub fn type_name(&self) -> &'static str {
        match self {
            MessageContent::Text(_) => "text",
            MessageContent::Image(_) => "image",
            MessageContent::Audio(_) => "audio",
            MessageContent::Video(_) => "video",
            MessageContent::Document(_) => "document",
            MessageContent::Sticker(_) => "sticker",
            MessageContent::Location(_) => "location",
            MessageContent::Contacts(_) => "contacts",
            MessageContent::Interactive(_) => "interactive",
            MessageContent::Template(_) => "template",
            MessageContent::Reaction(_) => "reaction",
            MessageContent::Pin(_) => "pin",
        }
    }

    /// Applies the rules of the content's type.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            MessageContent::Text(text) => text.validate(),
            MessageContent::Image(image) => image.validate(),
            MessageContent::Audio(audio) => audio.validate(),
            MessageContent::Video(video) => video.validate(),
            MessageContent::Document(document) => document.validate(),
            MessageContent::Sticker(sticker) => sticker.validate(),
            MessageContent::Location(location) => location.validate(),
            MessageContent::Contacts(contacts) => validate_contacts(contacts),
            MessageContent::Interactive(interactive) => interactive.validate(),
            MessageContent::Template(template) => template.validate(),
            MessageContent::Reaction(reaction) => reaction.validate(),
            MessageContent::Pin(pin) => pin.validate(),
        }
    }

    /// The uploaded media id a media message refers to, if it is sent by id.
    pub fn media_id(&self) -> Option<&str> {
        match self {
            MessageContent::Image(Image { id, .. })
            | MessageContent::Audio(Audio { id, .. })
            | MessageContent::Video(Video { id, .. })
            | MessageContent::Document(Document { id, .. })
            | MessageContent::Sticker(Sticker { id, .. }) => id.as_deref(),
            _ => None,
        }
    }

    /// Whether Meta lets this content through only inside the customer service window.
    /// Templates may open a conversation at any time; everything else is free-form.
    pub fn needs_open_window(&self) -> bool {
        !matches!(self, MessageContent::Template(_))
    }

    /// Whether Meta delivers this content into a group chat: text, media and templates
    /// (Meta's groups messaging guide), and pins, which only groups have.
    pub fn goes_to_groups(&self) -> bool {
        matches!(
            self,
            MessageContent::Text(_)
                | MessageContent::Image(_)
                | MessageContent::Audio(_)
                | MessageContent::Video(_)
                | MessageContent::Document(_)
                | MessageContent::Sticker(_)
                | MessageContent::Template(_)
                | MessageContent::Pin(_)
        )
    }

    /// Whether this content exists only in group chats (a pin).
    pub fn only_in_groups(&self) -> bool {
        matches!(self, MessageContent::Pin(_))
    }

    fn to_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            MessageContent::Text(text) => serde_json::to_value(text),
            MessageContent::Image(image) => serde_json::to_value(image),
            MessageContent::Audio(audio) => serde_json::to_value(audio),
            MessageContent::Video(video) => serde_json::to_value(video),
            MessageContent::Document(document) => serde_json::to_value(document),
            MessageContent::Sticker(sticker) => serde_json::to_value(sticker),
            MessageContent::Location(location) => serde_json::to_value(location),
            MessageContent::Contacts(contacts) => serde_json::to_value(contacts),
            MessageContent::Interactive(interactive) => serde_json::to_value(interactive),
            MessageContent::Template(template) => serde_json::to_value(template),
            MessageContent::Reaction(reaction) => serde_json::to_value(reaction),
            MessageContent::Pin(pin) => serde_json::to_value(pin),
        }
    }
}

impl OutgoingMessage {
    /// A message to `to` with default envelope fields.
    pub fn new(to: impl Into<String>, content: MessageContent) -> Self {
        Self { recipient_type: None, to: to.into(), context: None, biz_opaque_callback_data: None, content }
    }

    /// A message to the group `group_id` (`recipient_type: group`).
    pub fn to_group(group_id: impl Into<String>, content: MessageContent) -> Self {
        Self { recipient_type: Some("group".into()), ..Self::new(group_id, content) }
    }

    /// Whether `to` is a group id rather than a person.
    pub fn is_group(&self) -> bool {
        self.recipient_type.as_deref() == Some("group")
    }

    /// Whether Meta lets this message through only inside the customer's service window: a
    /// group has no such window, and templates may open a conversation at any time.
    pub fn needs_open_window(&self) -> bool {
        !self.is_group() && self.content.needs_open_window()
    }

    /// The envelope's own rules (which types a group takes, which only a group takes) plus
    /// the content's.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_optional_text(
            &Field::root("biz_opaque_callback_data"),
            self.biz_opaque_callback_data.as_deref(),
            CALLBACK_DATA_MAX,
        )?;
        if let Some(kind) = self.recipient_type.as_deref().filter(|kind| !matches!(*kind, "individual" | "group")) {
            return Err(Field::root("recipient_type").error(Violation::NotAllowed { value: kind.to_owned() }));
        }
        let recipient_type = if self.is_group() { "group" } else { "individual" };
        let fits = if self.is_group() { self.content.goes_to_groups() } else { !self.content.only_in_groups() };
        if !fits {
            let message_type = self.content.type_name().to_owned();
            return Err(
                Field::root("recipient_type").error(Violation::NotForRecipientType { message_type, recipient_type })
            );
        }
        self.content.validate()
    }
}

impl MessageRequest {
    /// Reads a `/messages` body. A body with `status` is a read receipt; anything else is a
    /// send whose `type` defaults to `text`, as Meta's own examples rely on. Errors name
    /// the field; no rule beyond the JSON shape is applied here (see `validate`).
    pub fn from_json(value: Value) -> Result<Self, ValidationError> {
        let mut body = match value {
            Value::Object(body) => body,
            _ => Map::new(),
        };
        match body.get("messaging_product") {
            None | Some(Value::Null) => return Err(Field::root("messaging_product").error(Violation::Missing)),
            Some(Value::String(product)) if product == "whatsapp" => {}
            Some(other) => {
                let value = other.as_str().map_or_else(|| other.to_string(), str::to_owned);
                return Err(Field::root("messaging_product").error(Violation::NotAllowed { value }));
            }
        }
        if body.contains_key("status") {
            return parse_part(&Field::top(), Value::Object(body)).map(MessageRequest::MarkRead);
        }
        let to = match body.remove("to") {
            Some(Value::String(to)) => to,
            Some(Value::Number(number)) => number.to_string(),
            None | Some(Value::Null) => return Err(Field::root("to").error(Violation::Missing)),
            Some(_) => return Err(Field::root("to").error(Violation::Malformed { expected: "a string" })),
        };
        let type_name = match body.remove("type") {
            None | Some(Value::Null) => "text".to_owned(),
            Some(Value::String(type_name)) => type_name,
            Some(other) => {
                return Err(Field::root("type").error(Violation::UnsupportedType { value: other.to_string() }));
            }
        };
        let content = parse_content(&type_name, &mut body)?;
        let optional_string = |body: &mut Map<String, Value>, key: &str| -> Result<Option<String>, ValidationError> {
            match body.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text)),
                Some(_) => Err(Field::root(key).error(Violation::Malformed { expected: "a string" })),
            }
        };
        let recipient_type = optional_string(&mut body, "recipient_type")?;
        let biz_opaque_callback_data = optional_string(&mut body, "biz_opaque_callback_data")?;
        let context = match body.remove("context") {
            None | Some(Value::Null) => None,
            Some(context) => Some(parse_part(&Field::root("context"), context)?),
        };
        Ok(MessageRequest::Send(OutgoingMessage { recipient_type, to, context, biz_opaque_callback_data, content }))
    }
}

fn parse_content(type_name: &str, body: &mut Map<String, Value>) -> Result<MessageContent, ValidationError> {
    const KNOWN: [&str; 12] = [
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "interactive",
        "template",
        "reaction",
        "pin",
    ];
    if !KNOWN.contains(&type_name) {
        return Err(Field::root("type").error(Violation::UnsupportedType { value: type_name.to_owned() }));
    }
    let field = Field::root(type_name);
    let value = match body.remove(type_name) {
        None | Some(Value::Null) => return Err(field.error(Violation::Missing)),
        Some(value) => json_in_text(value),
    };
    Ok(match type_name {
        "text" => MessageContent::Text(parse_part(&field, value)?),
        "image" => MessageContent::Image(parse_part(&field, value)?),
        "audio" => MessageContent::Audio(parse_part(&field, value)?),
        "video" => MessageContent::Video(parse_part(&field, value)?),
        "document" => MessageContent::Document(parse_part(&field, value)?),
        "sticker" => MessageContent::Sticker(parse_part(&field, value)?),
        "location" => MessageContent::Location(parse_part(&field, value)?),
        "contacts" => MessageContent::Contacts(parse_part(&field, value)?),
        "template" => MessageContent::Template(parse_part(&field, value)?),
        "reaction" => MessageContent::Reaction(parse_part(&field, value)?),
        "pin" => MessageContent::Pin(parse_part(&field, value)?),
        _ => MessageContent::Interactive(parse_interactive(&field, value)?),
    })
}

/// Graph reads a text holding a JSON object or array as that JSON, where one is expected
/// (whatsapp-api-js sends `contacts` so); any other value is kept as it is.
fn json_in_text(value: Value) -> Value {
    match &value {
        Value::String(text) if text.trim_start().starts_with(['[', '{']) => serde_json::from_str(text).unwrap_or(value),
        _ => value,
    }
}

fn parse_interactive(field: &Field, value: Value) -> Result<Interactive, ValidationError> {
    match value.get("type").and_then(Value::as_str) {
        Some("button") => Ok(Interactive::Button(parse_part(field, value)?)),
        Some("list") => Ok(Interactive::List(parse_part(field, value)?)),
        Some(_) => Ok(Interactive::Other(value)),
        None => Err(field.key("type").error(Violation::Missing)),
    }
}

impl Serialize for OutgoingMessage {
    /// Meta's wire shape: `messaging_product`, `to`, `type` and the content under its type's key.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let content = self.content.to_value().map_err(serde::ser::Error::custom)?;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("messaging_product", "whatsapp")?;
        if let Some(recipient_type) = &self.recipient_type {
            map.serialize_entry("recipient_type", recipient_type)?;
        }
        map.serialize_entry("to", &self.to)?;
        if let Some(context) = &self.context {
            map.serialize_entry("context", context)?;
        }
        if let Some(data) = &self.biz_opaque_callback_data {
            map.serialize_entry("biz_opaque_callback_data", data)?;
        }
        map.serialize_entry("type", self.content.type_name())?;
        map.serialize_entry(self.content.type_name(), &content)?;
        map.end()
    }
}

#[cfg(test)]
mod tests;
