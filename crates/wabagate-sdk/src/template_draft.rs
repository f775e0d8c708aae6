//! [`NewTemplate`]: a template definition built from typed components, with example values
//! given next to the text they illustrate, checked against Meta's creation rules (from
//! `wabagate-model`) before it is submitted.

use serde_json::json;
use wabagate_model::template::{
    ButtonDefinition, ComponentDefinition, TemplateCategory, TemplateDefinition, check_example_counts, check_examples,
};

use crate::error::Error;

/// A template ready to submit with [`crate::Client::create_template`].
///
/// ```
/// use wabagate_sdk::{NewTemplate, TemplateCategory};
///
/// let template = NewTemplate::builder("order_confirmation", "en_US", TemplateCategory::Utility)
///     .header_text("Order confirmed", &[])
///     .body("Hello {{1}}, your order #{{2}} is confirmed!", &["John", "A-1042"])
///     .footer("Thanks for your purchase")
///     .build()?;
/// assert_eq!(template.definition().components.len(), 3);
///
/// // Meta wants one example per variable:
/// let missing = NewTemplate::builder("order_confirmation", "en_US", TemplateCategory::Utility)
///     .body("Hello {{1}}, your order #{{2}} is confirmed!", &["John"])
///     .build()
///     .unwrap_err();
/// assert_eq!(missing.to_string(), "Param components[0]['example']['body_text'][0] must have at least 2 items, but has 1.");
/// # Ok::<(), wabagate_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate(TemplateDefinition);

/// Builds a [`NewTemplate`] component by component.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct NewTemplateBuilder {
    definition: TemplateDefinition,
    buttons: Vec<ButtonDefinition>,
}

impl NewTemplate {
    /// A template `name` (lowercase letters, digits, `_`) in `language` (e.g. `en_US`).
    pub fn builder(
        name: impl Into<String>,
        language: impl Into<String>,
        category: TemplateCategory,
    ) -> NewTemplateBuilder {
        NewTemplateBuilder {
            definition: TemplateDefinition {
                name: name.into(),
                language: language.into(),
                category: category.as_str().to_owned(),
                components: Vec::new(),
                parameter_format: None,
                allow_category_change: None,
                message_send_ttl_seconds: None,
            },
            buttons: Vec::new(),
        }
    }

    /// Checks a definition written by hand (e.g. read from a JSON file).
    pub fn from_definition(definition: TemplateDefinition) -> Result<Self, Error> {
        check_template_definition(&definition)?;
        Ok(Self(definition))
    }

    pub fn definition(&self) -> &TemplateDefinition {
        &self.0
    }
}

/// Meta's creation rules: the definition's own ([`TemplateDefinition::validate`]), an
/// example for every component with variables or media ([`check_examples`]), and one
/// example value per variable ([`check_example_counts`]).
pub fn check_template_definition(definition: &TemplateDefinition) -> Result<(), Error> {
    definition.validate().map_err(|error| error.error)?;
    check_examples(definition).map_err(|error| error.error)?;
    check_example_counts(definition).map_err(|error| error.error)?;
    Ok(())
}

fn component(kind: &str) -> ComponentDefinition {
    ComponentDefinition {
        kind: kind.to_owned(),
        format: None,
        text: None,
        buttons: None,
        example: None,
        add_security_recommendation: None,
        code_expiration_minutes: None,
    }
}

fn button(kind: &str, text: &str) -> ButtonDefinition {
    ButtonDefinition {
        kind: kind.to_owned(),
        text: Some(text.to_owned()),
        url: None,
        phone_number: None,
        example: None,
        extra: serde_json::Map::new(),
    }
}

impl NewTemplateBuilder {
    /// A text header; `examples` holds one value per `{{n}}` (at most one variable).
    pub fn header_text(mut self, text: impl Into<String>, examples: &[&str]) -> Self {
        let mut header = component("HEADER");
        header.format = Some("TEXT".into());
        header.text = Some(text.into());
        if !examples.is_empty() {
            header.example = Some(json!({ "header_text": examples }));
        }
        self.definition.components.push(header);
        self
    }

    /// A media header (`IMAGE`, `VIDEO` or `DOCUMENT`) with the sample's upload handle,
    /// which Meta requires.
    pub fn header_media(mut self, format: &str, example_handle: impl Into<String>) -> Self {
        let mut header = component("HEADER");
        header.format = Some(format.to_ascii_uppercase());
        header.example = Some(json!({ "header_handle": [example_handle.into()] }));
        self.definition.components.push(header);
        self
    }

    /// The body; `examples` holds one value per `{{n}}`, in order.
    pub fn body(mut self, text: impl Into<String>, examples: &[&str]) -> Self {
        let mut body = component("BODY");
        body.text = Some(text.into());
        if !examples.is_empty() {
            body.example = Some(json!({ "body_text": [examples] }));
        }
        self.definition.components.push(body);
        self
    }

    /// A footer (no variables).
    pub fn footer(mut self, text: impl Into<String>) -> Self {
        let mut footer = component("FOOTER");
        footer.text = Some(text.into());
        self.definition.components.push(footer);
        self
    }

    /// A quick-reply button.
    pub fn quick_reply_button(mut self, text: &str) -> Self {
        self.buttons.push(button("QUICK_REPLY", text));
        self
    }

    /// A URL button; a URL ending in `{{1}}` needs `example`, a full sample URL.
    pub fn url_button(mut self, text: &str, url: &str, example: Option<&str>) -> Self {
        let mut url_button = button("URL", text);
        url_button.url = Some(url.to_owned());
        url_button.example = example.map(|example| json!([example]));
        self.buttons.push(url_button);
        self
    }

    /// A button that calls `phone_number` (international format with `+`).
    pub fn phone_number_button(mut self, text: &str, phone_number: &str) -> Self {
        let mut phone_button = button("PHONE_NUMBER", text);
        phone_button.phone_number = Some(phone_number.to_owned());
        self.buttons.push(phone_button);
        self
    }

    /// Let Meta move the template to the category it finds fitting instead of rejecting it.
    pub fn allow_category_change(mut self, allow: bool) -> Self {
        self.definition.allow_category_change = Some(allow);
        self
    }

    /// Checks every creation rule; fails with [`Error::Invalid`] naming the field and limit.
    pub fn build(mut self) -> Result<NewTemplate, Error> {
        if !self.buttons.is_empty() {
            let mut buttons = component("BUTTONS");
            buttons.buttons = Some(std::mem::take(&mut self.buttons));
            self.definition.components.push(buttons);
        }
        NewTemplate::from_definition(self.definition)
    }
}

impl serde::Serialize for NewTemplate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}
