//! Interactive messages: reply buttons and lists (whatsapp-cloud-api.md §2.7, §2.8).
//! Other interactive kinds (flows, products, CTA URLs, …) are carried through unchecked.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::media::MediaRef;
use crate::limits::*;
use crate::violation::{Field, ValidationError, Violation, check_count, check_optional_text, check_required_text};

/// An interactive message, dispatched on its `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Interactive {
    Button(ButtonMessage),
    List(ListMessage),
    /// Any other `interactive.type`, kept verbatim (including its `type`).
    Other(Value),
}

/// `interactive.type = "button"`: up to three reply buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonMessage {
    /// Always `"button"`; kept so the message serialises back to Meta's shape.
    #[serde(rename = "type")]
    pub kind: ButtonKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    pub body: TextPart,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<TextPart>,
    pub action: ButtonAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonKind {
    Button,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    List,
}

/// `{"text": "…"}` as used by `body` and `footer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextPart {
    pub text: String,
}

/// An interactive header: text, or media without caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Header {
    Text { text: String },
    Image { image: MediaRef },
    Video { video: MediaRef },
    Document { document: MediaRef },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonAction {
    pub buttons: Vec<ReplyButton>,
}

/// `{"type": "reply", "reply": {"id": "…", "title": "…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyButton {
    #[serde(rename = "type")]
    pub kind: ReplyKind,
    pub reply: Reply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyKind {
    Reply,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub id: String,
    pub title: String,
}

/// `interactive.type = "list"`: a button that opens sections of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListMessage {
    #[serde(rename = "type")]
    pub kind: ListKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    pub body: TextPart,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<TextPart>,
    pub action: ListAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAction {
    /// The label of the button that opens the list.
    pub button: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Interactive {
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Interactive::Button(message) => message.validate(),
            Interactive::List(message) => message.validate(),
            Interactive::Other(_) => Ok(()),
        }
    }
}

fn root() -> Field {
    Field::root("interactive")
}

impl ButtonMessage {
    /// 1–3 buttons with unique ids (≤256, no surrounding spaces) and unique titles (≤20);
    /// body ≤1024; header text and footer ≤60.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = root();
        if let Some(header) = &self.header {
            validate_header(&field.key("header"), header)?;
        }
        check_required_text(&field.key("body").key("text"), Some(&self.body.text), BUTTON_BODY_MAX)?;
        validate_footer(&field, self.footer.as_ref())?;
        let buttons = field.key("action").key("buttons");
        check_count(&buttons, self.action.buttons.len(), 1, REPLY_BUTTONS_MAX)?;
        let mut ids = HashSet::new();
        let mut titles = HashSet::new();
        for (index, button) in self.action.buttons.iter().enumerate() {
            let reply = buttons.index(index).key("reply");
            let (id, title) = (&button.reply.id, &button.reply.title);
            check_required_text(&reply.key("id"), Some(id), REPLY_BUTTON_ID_MAX)?;
            if id.trim() != id {
                return Err(reply
                    .key("id")
                    .error(Violation::Malformed { expected: "without leading or trailing spaces" }));
            }
            check_required_text(&reply.key("title"), Some(title), REPLY_BUTTON_TITLE_MAX)?;
            if !ids.insert(id.as_str()) {
                return Err(reply.key("id").error(Violation::Duplicate { value: id.clone() }));
            }
            if !titles.insert(title.as_str()) {
                return Err(reply.key("title").error(Violation::Duplicate { value: title.clone() }));
            }
        }
        Ok(())
    }
}

impl ListMessage {
    /// 1–10 sections holding 1–10 rows in total, unique row ids (≤200), row titles ≤24,
    /// descriptions ≤72, section titles ≤24 and required when there is more than one
    /// section; the open button's label ≤20; header (text only) and footer ≤60; body ≤4096.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = root();
        match &self.header {
            None => {}
            Some(Header::Text { text }) => {
                check_required_text(&field.key("header").key("text"), Some(text), INTERACTIVE_HEADER_MAX)?
            }
            Some(_) => {
                return Err(field
                    .key("header")
                    .key("type")
                    .error(Violation::Malformed { expected: "'text' for lists" }));
            }
        }
        check_required_text(&field.key("body").key("text"), Some(&self.body.text), LIST_BODY_MAX)?;
        validate_footer(&field, self.footer.as_ref())?;
        let action = field.key("action");
        check_required_text(&action.key("button"), Some(&self.action.button), LIST_BUTTON_TEXT_MAX)?;
        let sections = action.key("sections");
        check_count(&sections, self.action.sections.len(), 1, LIST_SECTIONS_MAX)?;
        let total_rows = self.action.sections.iter().map(|section| section.rows.len()).sum();
        check_count(&sections.key("rows"), total_rows, 1, LIST_ROWS_MAX)?;
        let several = self.action.sections.len() > 1;
        let mut ids = HashSet::new();
        for (section_index, section) in self.action.sections.iter().enumerate() {
            let section_field = sections.index(section_index);
            let title = section_field.key("title");
            if several {
                check_required_text(&title, section.title.as_deref(), LIST_SECTION_TITLE_MAX)?;
            } else {
                check_optional_text(&title, section.title.as_deref(), LIST_SECTION_TITLE_MAX)?;
            }
            check_count(&section_field.key("rows"), section.rows.len(), 1, LIST_ROWS_MAX)?;
            for (row_index, row) in section.rows.iter().enumerate() {
                let row_field = section_field.key("rows").index(row_index);
                check_required_text(&row_field.key("id"), Some(&row.id), LIST_ROW_ID_MAX)?;
                check_required_text(&row_field.key("title"), Some(&row.title), LIST_ROW_TITLE_MAX)?;
                check_optional_text(
                    &row_field.key("description"),
                    row.description.as_deref(),
                    LIST_ROW_DESCRIPTION_MAX,
                )?;
                if !ids.insert(row.id.as_str()) {
                    return Err(row_field.key("id").error(Violation::Duplicate { value: row.id.clone() }));
                }
            }
        }
        Ok(())
    }
}

fn validate_header(field: &Field, header: &Header) -> Result<(), ValidationError> {
    match header {
        Header::Text { text } => check_required_text(&field.key("text"), Some(text), INTERACTIVE_HEADER_MAX),
        Header::Image { image } => image.validate(&field.key("image")).map(|_| ()),
        Header::Video { video } => video.validate(&field.key("video")).map(|_| ()),
        Header::Document { document } => document.validate(&field.key("document")).map(|_| ()),
    }
}

fn validate_footer(field: &Field, footer: Option<&TextPart>) -> Result<(), ValidationError> {
    footer.map_or(Ok(()), |footer| {
        check_required_text(&field.key("footer").key("text"), Some(&footer.text), INTERACTIVE_FOOTER_MAX)
    })
}

#[cfg(test)]
mod tests;
