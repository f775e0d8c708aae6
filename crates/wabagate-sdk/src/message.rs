//! Typed builders for every message the Cloud API sends. [`Message`]'s constructors start a
//! [`Draft`] per type; [`Draft::build`] checks the recipient format and every rule of
//! `wabagate-model` for that type, and only then yields a [`Message`] to send.
//!
//! The rules themselves live in `wabagate-model`; this module only assembles its types.

mod contacts;
mod interactive;
mod media;
mod simple;
mod template;

use serde::{Serialize, Serializer};
use wabagate_model::message::{Context, MessageContent, OutgoingMessage};
use wabagate_model::phone::check_recipient_format;
use wabagate_model::violation::{Field, require_text};

pub use contacts::ContactCard;
pub use interactive::{Buttons, List, ListSection};
pub use media::Media;
pub use template::TemplateSend;

use crate::error::Error;

/// A message that passed every local rule, ready for [`crate::Client::send`].
///
/// ```
/// use wabagate_sdk::{Media, Message};
///
/// let image = Message::image("1234567890", Media::link("https://example.com/cat.jpg"))
///     .caption("Look at this!")
///     .build()?;
/// assert_eq!(image.to_json()["type"], "image");
/// assert_eq!(image.to_json()["messaging_product"], "whatsapp");
///
/// let too_many = Message::buttons("1234567890", "Proceed?")
///     .button("a", "A").button("b", "B").button("c", "C").button("d", "D")
///     .build()
///     .unwrap_err();
/// assert_eq!(too_many.to_string(), "Param interactive['action']['buttons'] must have at most 3 items, but has 4.");
/// # Ok::<(), wabagate_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Message(OutgoingMessage);

/// A message being written: the envelope (recipient, reply-to, callback data) and the
/// content of one type. Type-specific setters are on `Draft<Type>`.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a draft does nothing until `build()` is called"]
pub struct Draft<C> {
    to: String,
    /// `to` is a group id (`recipient_type: group`).
    group: bool,
    reply_to: Option<String>,
    callback_data: Option<String>,
    pub(crate) content: C,
}

/// What a [`Draft`] can hold. Implemented for the content types of this crate and of
/// `wabagate-model`; not meant to be implemented elsewhere.
pub trait Content {
    /// The model's content, or the first rule the content breaks that only the SDK can
    /// check before assembling it (e.g. a template send's name).
    fn into_message_content(self) -> Result<MessageContent, wabagate_model::ValidationError>;
}

impl Message {
    /// The model's message, as it will be serialised.
    pub fn as_outgoing(&self) -> &OutgoingMessage {
        &self.0
    }

    /// The recipient as written.
    pub fn to(&self) -> &str {
        &self.0.to
    }

    /// Meta's `type` of the message (`text`, `image`, …).
    pub fn type_name(&self) -> &'static str {
        self.0.content.type_name()
    }

    /// The JSON body sent to `/{phone_number_id}/messages`; `messaging_product` is always set.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.0).expect("a validated message serialises")
    }

    pub(crate) fn draft<C>(to: impl Into<String>, content: C) -> Draft<C> {
        Draft { to: to.into(), group: false, reply_to: None, callback_data: None, content }
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<C: Content> Draft<C> {
    /// Quote an earlier message (`context.message_id`), making this a reply.
    pub fn reply_to(mut self, message_id: impl Into<String>) -> Self {
        self.reply_to = Some(message_id.into());
        self
    }

    /// Sends to a group: the recipient given is a group id of the Groups API, and the message
    /// goes with `recipient_type: group`. Groups take text, media and templates (and pins);
    /// `build` refuses the other types.
    pub fn for_group(mut self) -> Self {
        self.group = true;
        self
    }

    /// Data echoed back in this message's status webhooks (`biz_opaque_callback_data`).
    pub fn callback_data(mut self, data: impl Into<String>) -> Self {
        self.callback_data = Some(data.into());
        self
    }

    /// Checks the recipient (digits only, no `+`, no leading `0`; for a group, a group id)
    /// and every rule of the message's type; fails with [`Error::Invalid`] naming the field
    /// and the limit.
    pub fn build(self) -> Result<Message, Error> {
        if self.group {
            require_text(&Field::root("to"), Some(&self.to))?;
        } else {
            check_recipient_format(&self.to)?;
        }
        let context = match self.reply_to {
            Some(message_id) => {
                require_text(&Field::root("context").key("message_id"), Some(&message_id))?;
                Some(Context { message_id })
            }
            None => None,
        };
        let content = self.content.into_message_content()?;
        let message = OutgoingMessage {
            recipient_type: self.group.then(|| "group".to_owned()),
            to: self.to,
            context,
            biz_opaque_callback_data: self.callback_data,
            content,
        };
        message.validate()?;
        Ok(Message(message))
    }
}

#[cfg(test)]
mod tests;
