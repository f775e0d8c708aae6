//! Template messages as sent (whatsapp-cloud-api.md §2.10): a template name, a language and
//! the parameters that fill the template's variables. Matching them against the template's
//! definition is [`crate::template::check_parameters`].

use serde::{Deserialize, Serialize};

use super::location::Location;
use super::media::MediaRef;
use crate::limits::{TEMPLATE_NAME_MAX, TEMPLATE_TEXT_PARAMETER_MAX};
use crate::violation::{Field, ValidationError, Violation, check_max_chars, check_required_text};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateMessage {
    pub name: String,
    pub language: TemplateLanguage,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentParameters>,
}

/// `{"code": "en_US"}`; `policy: "deterministic"` is legacy and optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateLanguage {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// The parameters for one component of the template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentParameters {
    #[serde(rename = "type")]
    pub kind: ComponentKind,
    /// Buttons only: `quick_reply`, `url`, `copy_code`, `flow`, `catalog`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// Buttons only: the button's position in the template, `"0"`…`"9"` (numbers accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<ButtonIndex>,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
}

/// A component's `type`. Meta accepts it in any letter case (`"BODY"` as clients copy it
/// from the template's definition, `"body"` as the reference writes it); it is sent on in
/// lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    Header,
    Body,
    Button,
}

impl<'de> Deserialize<'de> for ComponentKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.to_ascii_lowercase().as_str() {
            "header" => Ok(Self::Header),
            "body" => Ok(Self::Body),
            "button" => Ok(Self::Button),
            _ => Err(serde::de::Error::unknown_variant(&text, &["header", "body", "button"])),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ButtonIndex {
    Text(String),
    Number(u32),
}

impl ButtonIndex {
    pub fn position(&self) -> Option<usize> {
        match self {
            ButtonIndex::Text(text) => text.trim().parse().ok(),
            ButtonIndex::Number(number) => usize::try_from(*number).ok(),
        }
    }
}

/// One value for one variable (or a button's payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Parameter {
    Text {
        text: String,
        /// Set for templates created with `parameter_format: NAMED`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    Currency {
        currency: serde_json::Value,
    },
    DateTime {
        date_time: serde_json::Value,
    },
    Image {
        image: MediaRef,
    },
    Video {
        video: MediaRef,
    },
    Document {
        document: DocumentParameter,
    },
    Location {
        location: Location,
    },
    Payload {
        payload: String,
    },
    CouponCode {
        coupon_code: String,
    },
    Action {
        action: serde_json::Value,
    },
}

/// A document header parameter: a media reference plus an optional file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentParameter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

impl Parameter {
    /// The parameter's `type` as Meta spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Parameter::Text { .. } => "text",
            Parameter::Currency { .. } => "currency",
            Parameter::DateTime { .. } => "date_time",
            Parameter::Image { .. } => "image",
            Parameter::Video { .. } => "video",
            Parameter::Document { .. } => "document",
            Parameter::Location { .. } => "location",
            Parameter::Payload { .. } => "payload",
            Parameter::CouponCode { .. } => "coupon_code",
            Parameter::Action { .. } => "action",
        }
    }
}

impl TemplateMessage {
    /// Name and language code present; text parameters non-empty and at most
    /// [`TEMPLATE_TEXT_PARAMETER_MAX`] characters; media parameters have one source.
    /// Whether the parameters fit the template is checked against its definition elsewhere.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let field = Field::root("template");
        check_required_text(&field.key("name"), Some(&self.name), TEMPLATE_NAME_MAX)?;
        if self.language.code.trim().is_empty() {
            return Err(field.key("language").key("code").error(Violation::Missing));
        }
        for (component_index, component) in self.components.iter().enumerate() {
            let component_field = field.key("components").index(component_index);
            for (index, parameter) in component.parameters.iter().enumerate() {
                let parameter_field = component_field.key("parameters").index(index);
                validate_parameter(&parameter_field, parameter)?;
            }
        }
        Ok(())
    }
}

fn validate_parameter(field: &Field, parameter: &Parameter) -> Result<(), ValidationError> {
    match parameter {
        Parameter::Text { text, .. } => {
            if text.is_empty() {
                return Err(field.key("text").error(Violation::Missing));
            }
            check_max_chars(&field.key("text"), text, TEMPLATE_TEXT_PARAMETER_MAX)
        }
        Parameter::Image { image } => image.validate(&field.key("image")).map(|_| ()),
        Parameter::Video { video } => video.validate(&field.key("video")).map(|_| ()),
        Parameter::Document { document } => {
            super::media::check_source(&field.key("document"), document.id.as_deref(), document.link.as_deref())
                .map(|_| ())
        }
        Parameter::Location { location } => location.validate(),
        Parameter::Payload { payload } => check_required_text(&field.key("payload"), Some(payload), usize::MAX),
        Parameter::Currency { .. }
        | Parameter::DateTime { .. }
        | Parameter::CouponCode { .. }
        | Parameter::Action { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello_world(components: Vec<ComponentParameters>) -> TemplateMessage {
        TemplateMessage {
            name: "hello_world".into(),
            language: TemplateLanguage { code: "en_US".into(), policy: None },
            components,
        }
    }

    #[test]
    fn a_template_needs_a_language_code() {
        let mut message = hello_world(vec![]);
        message.language.code = String::new();
        let error = message.validate().unwrap_err();
        assert_eq!(error.details(), "The parameter template['language']['code'] is required.");
    }

    #[test]
    fn an_empty_text_parameter_is_missing_its_text() {
        let body = ComponentParameters {
            kind: ComponentKind::Body,
            sub_type: None,
            index: None,
            parameters: vec![Parameter::Text { text: String::new(), parameter_name: None }],
        };
        let error = hello_world(vec![body]).validate().unwrap_err();
        assert_eq!(error.field, "template['components'][0]['parameters'][0]['text']");
        assert_eq!(error.violation, Violation::Missing);
    }

    #[test]
    fn button_indexes_may_be_strings_or_numbers() {
        assert_eq!(ButtonIndex::Text("1".into()).position(), Some(1));
        assert_eq!(ButtonIndex::Number(2).position(), Some(2));
        assert_eq!(ButtonIndex::Text("x".into()).position(), None);
    }
}
