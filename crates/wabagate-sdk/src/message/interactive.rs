//! Interactive messages: up to three reply buttons, or a list of sections and rows.

use wabagate_model::ValidationError;
use wabagate_model::message::{
    ButtonAction, ButtonKind, ButtonMessage, Header, Interactive, ListAction, ListKind, ListMessage, MessageContent,
    Reply, ReplyButton, ReplyKind, Row, Section, TextPart,
};

use super::{Content, Draft, Media, Message};

/// The content of a reply-button message; built through [`Message::buttons`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buttons {
    header: Option<Header>,
    body: String,
    footer: Option<String>,
    buttons: Vec<(String, String)>,
}

/// The content of a list message; built through [`Message::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    button: String,
    sections: Vec<ListSection>,
}

/// One section of a list: an optional title (required when there are several) and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSection(Section);

impl ListSection {
    pub fn new(title: impl Into<String>) -> Self {
        Self(Section { title: Some(title.into()), rows: Vec::new() })
    }

    /// A section without a title (allowed when it is the list's only section).
    pub fn untitled() -> Self {
        Self(Section { title: None, rows: Vec::new() })
    }

    /// A row the user can pick; `id` comes back in the reply webhook.
    pub fn row(mut self, id: impl Into<String>, title: impl Into<String>, description: Option<&str>) -> Self {
        self.0.rows.push(Row { id: id.into(), title: title.into(), description: description.map(str::to_owned) });
        self
    }
}

impl Message {
    /// A message with up to three reply buttons under `body`.
    ///
    /// ```
    /// use wabagate_sdk::Message;
    ///
    /// let message = Message::buttons("1234567890", "Would you like to proceed?")
    ///     .button("yes", "Yes")
    ///     .button("no", "No")
    ///     .build()?;
    /// assert_eq!(message.to_json()["interactive"]["action"]["buttons"][1]["reply"]["id"], "no");
    /// # Ok::<(), wabagate_sdk::Error>(())
    /// ```
    pub fn buttons(to: impl Into<String>, body: impl Into<String>) -> Draft<Buttons> {
        Message::draft(to, Buttons { header: None, body: body.into(), footer: None, buttons: Vec::new() })
    }

    /// A message whose `button` opens a list of sections (at most 10 rows in all).
    pub fn list(to: impl Into<String>, body: impl Into<String>, button: impl Into<String>) -> Draft<List> {
        Message::draft(
            to,
            List { header: None, body: body.into(), footer: None, button: button.into(), sections: Vec::new() },
        )
    }
}

impl Draft<Buttons> {
    /// A reply button; ids must be unique, titles at most 20 characters.
    pub fn button(mut self, id: impl Into<String>, title: impl Into<String>) -> Self {
        self.content.buttons.push((id.into(), title.into()));
        self
    }

    pub fn header_text(mut self, text: impl Into<String>) -> Self {
        self.content.header = Some(Header::Text { text: text.into() });
        self
    }

    pub fn header_image(mut self, media: Media) -> Self {
        self.content.header = Some(Header::Image { image: media.into_ref() });
        self
    }

    pub fn header_video(mut self, media: Media) -> Self {
        self.content.header = Some(Header::Video { video: media.into_ref() });
        self
    }

    pub fn header_document(mut self, media: Media) -> Self {
        self.content.header = Some(Header::Document { document: media.into_ref() });
        self
    }

    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.content.footer = Some(text.into());
        self
    }
}

impl Draft<List> {
    pub fn section(mut self, section: ListSection) -> Self {
        self.content.sections.push(section);
        self
    }

    pub fn header_text(mut self, text: impl Into<String>) -> Self {
        self.content.header = Some(text.into());
        self
    }

    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.content.footer = Some(text.into());
        self
    }
}

impl Content for Buttons {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        let buttons = self
            .buttons
            .into_iter()
            .map(|(id, title)| ReplyButton { kind: ReplyKind::Reply, reply: Reply { id, title } })
            .collect();
        Ok(MessageContent::Interactive(Interactive::Button(ButtonMessage {
            kind: ButtonKind::Button,
            header: self.header,
            body: TextPart { text: self.body },
            footer: self.footer.map(|text| TextPart { text }),
            action: ButtonAction { buttons },
        })))
    }
}

impl Content for List {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Interactive(Interactive::List(ListMessage {
            kind: ListKind::List,
            header: self.header.map(|text| Header::Text { text }),
            body: TextPart { text: self.body },
            footer: self.footer.map(|text| TextPart { text }),
            action: ListAction {
                button: self.button,
                sections: self.sections.into_iter().map(|section| section.0).collect(),
            },
        })))
    }
}
