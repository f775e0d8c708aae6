//! Template messages: a template's name and language plus the parameters that fill its
//! variables, component by component.

use wabagate_model::ValidationError;
use wabagate_model::message::{
    ButtonIndex, ComponentKind, ComponentParameters, DocumentParameter, MessageContent, Parameter, TemplateLanguage,
    TemplateMessage,
};
use wabagate_model::template::check_template_name;
use wabagate_model::violation::Field;

use super::{Content, Draft, Media, Message};

/// The content of a template message; built through [`Message::template`].
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSend {
    name: String,
    language: String,
    header: Vec<Parameter>,
    body: Vec<Parameter>,
    buttons: Vec<ComponentParameters>,
}

impl Message {
    /// The approved template `name` in `language` (e.g. `en_US`). Parameters are added in
    /// the order of the template's `{{1}}`, `{{2}}`, … variables.
    ///
    /// ```
    /// use wabagate_sdk::Message;
    ///
    /// let message = Message::template("1234567890", "order_confirmation", "en_US")
    ///     .body_text("John")
    ///     .body_text("A-1042")
    ///     .build()?;
    /// assert_eq!(message.to_json()["template"]["components"][0]["parameters"][1]["text"], "A-1042");
    /// # Ok::<(), wabagate_sdk::Error>(())
    /// ```
    pub fn template(
        to: impl Into<String>,
        name: impl Into<String>,
        language: impl Into<String>,
    ) -> Draft<TemplateSend> {
        let content = TemplateSend {
            name: name.into(),
            language: language.into(),
            header: Vec::new(),
            body: Vec::new(),
            buttons: Vec::new(),
        };
        Message::draft(to, content)
    }
}

fn text(text: impl Into<String>) -> Parameter {
    Parameter::Text { text: text.into(), parameter_name: None }
}

impl Draft<TemplateSend> {
    /// The next `{{n}}` of a text header.
    pub fn header_text(mut self, value: impl Into<String>) -> Self {
        self.content.header.push(text(value));
        self
    }

    /// The image of an `IMAGE` header.
    pub fn header_image(mut self, media: Media) -> Self {
        self.content.header.push(Parameter::Image { image: media.into_ref() });
        self
    }

    /// The video of a `VIDEO` header.
    pub fn header_video(mut self, media: Media) -> Self {
        self.content.header.push(Parameter::Video { video: media.into_ref() });
        self
    }

    /// The document of a `DOCUMENT` header, with the file name the recipient sees.
    pub fn header_document(mut self, media: Media, filename: Option<&str>) -> Self {
        let (id, link) = media.into_fields();
        let document = DocumentParameter { id, link, filename: filename.map(str::to_owned) };
        self.content.header.push(Parameter::Document { document });
        self
    }

    /// The next `{{n}}` of the body.
    pub fn body_text(mut self, value: impl Into<String>) -> Self {
        self.content.body.push(text(value));
        self
    }

    /// The body variable `{{name}}` of a template created with `parameter_format: NAMED`.
    pub fn body_named_text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.content.body.push(Parameter::Text { text: value.into(), parameter_name: Some(name.into()) });
        self
    }

    /// Any body parameter (currency, date_time, …) in the model's terms.
    pub fn body_parameter(mut self, parameter: Parameter) -> Self {
        self.content.body.push(parameter);
        self
    }

    /// The payload of the quick-reply button at `index` (0-based, as in the template).
    pub fn quick_reply_button(mut self, index: u32, payload: impl Into<String>) -> Self {
        self.content.buttons.push(button("quick_reply", index, Parameter::Payload { payload: payload.into() }));
        self
    }

    /// The `{{1}}` at the end of the URL of the URL button at `index`.
    pub fn url_button(mut self, index: u32, url_suffix: impl Into<String>) -> Self {
        self.content.buttons.push(button("url", index, text(url_suffix)));
        self
    }
}

fn button(sub_type: &str, index: u32, parameter: Parameter) -> ComponentParameters {
    ComponentParameters {
        kind: ComponentKind::Button,
        sub_type: Some(sub_type.to_owned()),
        index: Some(ButtonIndex::Text(index.to_string())),
        parameters: vec![parameter],
    }
}

impl Content for TemplateSend {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        check_template_name(&Field::root("template").key("name"), &self.name)?;
        let mut components = Vec::new();
        for (kind, parameters) in [(ComponentKind::Header, self.header), (ComponentKind::Body, self.body)] {
            if !parameters.is_empty() {
                components.push(ComponentParameters { kind, sub_type: None, index: None, parameters });
            }
        }
        components.extend(self.buttons);
        Ok(MessageContent::Template(TemplateMessage {
            name: self.name,
            language: TemplateLanguage { code: self.language, policy: None },
            components,
        }))
    }
}
