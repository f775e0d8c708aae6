//! A template as a business creates it, and Meta's rules for accepting one
//! (whatsapp-cloud-api.md §4.3, §4.4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::language::is_supported_language;
use super::name::check_template_name;
use super::placeholders::placeholders;
use crate::limits::*;
use crate::violation::{Field, ValidationError, Violation, check_count, check_max_chars, check_required_text};

/// The body of `POST /{waba_id}/message_templates`. Keys Meta has that the sandbox does
/// not model (`sub_category`, `library_template_name`, …) are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateDefinition {
    pub name: String,
    pub language: String,
    pub category: String,
    #[serde(default)]
    pub components: Vec<ComponentDefinition>,
    /// `POSITIONAL` (default, `{{1}}`) or `NAMED` (`{{first_name}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_category_change: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_send_ttl_seconds: Option<u64>,
}

/// One of `HEADER`, `BODY`, `FOOTER`, `BUTTONS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentDefinition {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<ButtonDefinition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// Authentication bodies: Meta writes the text and may add a security note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_security_recommendation: Option<bool>,
    /// Authentication footers: "This code expires in N minutes."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_expiration_minutes: Option<u32>,
}

/// One template button; kinds Meta has beyond the modelled fields keep their extra keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ButtonDefinition {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateCategory {
    Authentication,
    Marketing,
    Utility,
}

impl TemplateCategory {
    /// Meta's spelling; case-insensitive.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "AUTHENTICATION" => Some(Self::Authentication),
            "MARKETING" => Some(Self::Marketing),
            "UTILITY" => Some(Self::Utility),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authentication => "AUTHENTICATION",
            Self::Marketing => "MARKETING",
            Self::Utility => "UTILITY",
        }
    }
}

/// Where a template is in Meta's review (whatsapp-cloud-api.md §4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateStatus {
    Approved,
    Pending,
    Rejected,
    Paused,
    Disabled,
    InAppeal,
    PendingDeletion,
    Deleted,
    LimitExceeded,
    Archived,
}

impl TemplateStatus {
    pub const ALL: [TemplateStatus; 10] = [
        Self::Approved,
        Self::Pending,
        Self::Rejected,
        Self::Paused,
        Self::Disabled,
        Self::InAppeal,
        Self::PendingDeletion,
        Self::Deleted,
        Self::LimitExceeded,
        Self::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Pending => "PENDING",
            Self::Rejected => "REJECTED",
            Self::Paused => "PAUSED",
            Self::Disabled => "DISABLED",
            Self::InAppeal => "IN_APPEAL",
            Self::PendingDeletion => "PENDING_DELETION",
            Self::Deleted => "DELETED",
            Self::LimitExceeded => "LIMIT_EXCEEDED",
            Self::Archived => "ARCHIVED",
        }
    }

    /// Case-insensitive, as the `status` filter of the template list is.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Which part of a template broke a rule; Meta's error subcodes follow the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatePart {
    Name,
    Language,
    Category,
    ParameterFormat,
    Components,
    Header,
    Body,
    Footer,
    Buttons,
}

/// A rejected template definition: the part and the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct TemplateError {
    pub part: TemplatePart,
    pub error: ValidationError,
}

fn reject(part: TemplatePart, field: &Field, violation: Violation) -> TemplateError {
    TemplateError { part, error: field.error(violation) }
}

fn within(part: TemplatePart) -> impl Fn(ValidationError) -> TemplateError {
    move |error| TemplateError { part, error }
}

impl TemplateDefinition {
    /// Reads a create body; errors name the field (`components[0]['type']`).
    pub fn from_json(value: Value) -> Result<Self, ValidationError> {
        crate::message::parse_part(&Field::top(), value)
    }

    /// The template's category once every creation rule holds: name `^[a-z0-9_]+$` of at
    /// most 512 characters, a supported language, one of the three categories, exactly one
    /// `BODY` and at most one `HEADER`, `FOOTER` and `BUTTONS`, and each component's limits.
    pub fn validate(&self) -> Result<TemplateCategory, TemplateError> {
        let name = Field::root("name");
        check_template_name(&name, &self.name).map_err(within(TemplatePart::Name))?;
        if !is_supported_language(&self.language) {
            let value = self.language.clone();
            return Err(reject(TemplatePart::Language, &Field::root("language"), Violation::NotAllowed { value }));
        }
        let category = TemplateCategory::parse(&self.category).ok_or_else(|| {
            let value = self.category.clone();
            reject(TemplatePart::Category, &Field::root("category"), Violation::NotAllowed { value })
        })?;
        let named = match self.parameter_format.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("POSITIONAL") => false,
            Some("NAMED") => true,
            Some(other) => {
                let value = other.to_owned();
                return Err(reject(
                    TemplatePart::ParameterFormat,
                    &Field::root("parameter_format"),
                    Violation::NotAllowed { value },
                ));
            }
        };
        self.validate_components(category, named)?;
        Ok(category)
    }

    /// The component of a kind (`"BODY"`, …), matched case-insensitively.
    pub fn component(&self, kind: &str) -> Option<&ComponentDefinition> {
        self.components.iter().find(|component| component.kind.eq_ignore_ascii_case(kind))
    }

    /// Whether the variables are `{{name}}`s rather than `{{1}}`s.
    pub fn is_named(&self) -> bool {
        self.parameter_format.as_deref().is_some_and(|format| format.eq_ignore_ascii_case("NAMED"))
    }

    fn validate_components(&self, category: TemplateCategory, named: bool) -> Result<(), TemplateError> {
        let components = Field::root("components");
        let mut seen = [0usize; 4];
        for (index, component) in self.components.iter().enumerate() {
            let field = components.index(index);
            let slot = match component.kind.to_ascii_uppercase().as_str() {
                "HEADER" => 0,
                "BODY" => 1,
                "FOOTER" => 2,
                "BUTTONS" => 3,
                _ => {
                    let value = component.kind.clone();
                    return Err(reject(TemplatePart::Components, &field.key("type"), Violation::NotAllowed { value }));
                }
            };
            seen[slot] += 1;
            match slot {
                0 => validate_header(&field, component)?,
                1 => validate_body(&field, component, category, named)?,
                2 => validate_footer(&field, component, category)?,
                _ => validate_buttons(&field, component)?,
            }
        }
        let [headers, bodies, footers, button_groups] = seen;
        let count = |actual, min, kind: &str| {
            check_count(&components.key(kind), actual, min, 1).map_err(within(TemplatePart::Components))
        };
        count(bodies, 1, "BODY")?;
        count(headers, 0, "HEADER")?;
        count(footers, 0, "FOOTER")?;
        count(button_groups, 0, "BUTTONS")
    }
}

fn validate_header(field: &Field, component: &ComponentDefinition) -> Result<(), TemplateError> {
    let format = component.format.as_deref().unwrap_or_default().to_ascii_uppercase();
    match format.as_str() {
        "TEXT" => {
            let text_field = field.key("text");
            check_required_text(&text_field, component.text.as_deref(), TEMPLATE_HEADER_TEXT_MAX)
                .map_err(within(TemplatePart::Header))?;
            let variables = placeholders(component.text.as_deref().unwrap_or_default()).count();
            if variables > TEMPLATE_HEADER_VARIABLES_MAX {
                let violation = Violation::TooMany { max: TEMPLATE_HEADER_VARIABLES_MAX, actual: variables };
                return Err(reject(TemplatePart::Header, &text_field, violation));
            }
            Ok(())
        }
        "IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION" | "GIF" => Ok(()),
        "" => Err(reject(TemplatePart::Header, &field.key("format"), Violation::Missing)),
        _ => Err(reject(TemplatePart::Header, &field.key("format"), Violation::NotAllowed { value: format })),
    }
}

fn validate_body(
    field: &Field,
    component: &ComponentDefinition,
    category: TemplateCategory,
    named: bool,
) -> Result<(), TemplateError> {
    let text_field = field.key("text");
    // Authentication bodies are written by Meta; a business only opts into extras.
    if category == TemplateCategory::Authentication && component.text.is_none() {
        return Ok(());
    }
    let text = component.text.as_deref();
    check_required_text(&text_field, text, TEMPLATE_BODY_MAX).map_err(within(TemplatePart::Body))?;
    let found = placeholders(text.unwrap_or_default());
    if found.at_start || found.at_end {
        return Err(reject(TemplatePart::Body, &text_field, Violation::VariableAtEdge));
    }
    let well_formed = if named {
        found.names.iter().all(|name| {
            name.starts_with(|first: char| first.is_ascii_lowercase() || first == '_')
                && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        })
    } else {
        found.names.iter().enumerate().all(|(position, name)| name.parse::<usize>().ok() == Some(position + 1))
    };
    if !well_formed {
        let expected =
            if named { "{{lowercase_name}} variables" } else { "variables numbered {{1}}, {{2}}, … in order" };
        return Err(reject(TemplatePart::Body, &text_field, Violation::Malformed { expected }));
    }
    Ok(())
}

fn validate_footer(
    field: &Field,
    component: &ComponentDefinition,
    category: TemplateCategory,
) -> Result<(), TemplateError> {
    if category == TemplateCategory::Authentication && component.text.is_none() {
        return Ok(());
    }
    let text_field = field.key("text");
    check_required_text(&text_field, component.text.as_deref(), TEMPLATE_FOOTER_MAX)
        .map_err(within(TemplatePart::Footer))?;
    if placeholders(component.text.as_deref().unwrap_or_default()).count() > 0 {
        return Err(reject(
            TemplatePart::Footer,
            &text_field,
            Violation::Malformed { expected: "text without variables" },
        ));
    }
    Ok(())
}

fn validate_buttons(field: &Field, component: &ComponentDefinition) -> Result<(), TemplateError> {
    let buttons_field = field.key("buttons");
    let buttons = component.buttons.as_deref().unwrap_or_default();
    let fail = within(TemplatePart::Buttons);
    check_count(&buttons_field, buttons.len(), 1, TEMPLATE_BUTTONS_MAX).map_err(&fail)?;
    let kinds: Vec<String> = buttons.iter().map(|button| button.kind.to_ascii_uppercase()).collect();
    let count_of = |kind: &str| kinds.iter().filter(|known| *known == kind).count();
    for (kind, max) in [
        ("QUICK_REPLY", TEMPLATE_QUICK_REPLY_MAX),
        ("URL", TEMPLATE_URL_BUTTONS_MAX),
        ("PHONE_NUMBER", TEMPLATE_PHONE_BUTTONS_MAX),
        ("COPY_CODE", TEMPLATE_COPY_CODE_BUTTONS_MAX),
    ] {
        check_count(&buttons_field.key(kind), count_of(kind), 0, max).map_err(&fail)?;
    }
    // Quick replies must sit together: QR,QR,URL is fine, QR,URL,QR is not.
    let quick_reply_runs = kinds
        .iter()
        .enumerate()
        .filter(|(index, kind)| *kind == "QUICK_REPLY" && (*index == 0 || kinds[index - 1] != "QUICK_REPLY"));
    if quick_reply_runs.count() > 1 {
        let violation = Violation::Malformed { expected: "quick reply buttons grouped together" };
        return Err(reject(TemplatePart::Buttons, &buttons_field, violation));
    }
    for (index, (button, kind)) in buttons.iter().zip(&kinds).enumerate() {
        let button_field = buttons_field.index(index);
        let text_field = button_field.key("text");
        match kind.as_str() {
            "QUICK_REPLY" | "URL" | "PHONE_NUMBER" | "FLOW" | "VOICE_CALL" => {
                check_required_text(&text_field, button.text.as_deref(), TEMPLATE_BUTTON_TEXT_MAX).map_err(&fail)?
            }
            _ => crate::violation::check_optional_text(&text_field, button.text.as_deref(), TEMPLATE_BUTTON_TEXT_MAX)
                .map_err(&fail)?,
        }
        if kind == "URL" {
            let url_field = button_field.key("url");
            let url = crate::violation::require_text(&url_field, button.url.as_deref()).map_err(&fail)?;
            check_max_chars(&url_field, url, TEMPLATE_BUTTON_URL_MAX).map_err(&fail)?;
            let found = placeholders(url);
            if found.count() > 1 || (found.count() == 1 && !found.at_end) {
                let violation = Violation::Malformed { expected: "a URL with at most one variable, at its end" };
                return Err(reject(TemplatePart::Buttons, &url_field, violation));
            }
        }
        if kind == "PHONE_NUMBER" {
            check_required_text(
                &button_field.key("phone_number"),
                button.phone_number.as_deref(),
                TEMPLATE_BUTTON_PHONE_MAX,
            )
            .map_err(&fail)?;
        }
    }
    Ok(())
}

/// Meta's rule that every component with variables carries example values
/// (`header_text`, `body_text`, `header_handle`, a URL button's `example`). The sandbox
/// applies it only when configured to: the hosted product's own create example omits them.
pub fn check_examples(definition: &TemplateDefinition) -> Result<(), TemplateError> {
    for (index, component) in definition.components.iter().enumerate() {
        let field = Field::root("components").index(index).key("example");
        let has_variables = component.text.as_deref().is_some_and(|text| placeholders(text).count() > 0);
        let format = component.format.as_deref().unwrap_or_default().to_ascii_uppercase();
        let needs_example = has_variables || matches!(format.as_str(), "IMAGE" | "VIDEO" | "DOCUMENT");
        let part = match component.kind.to_ascii_uppercase().as_str() {
            "HEADER" => TemplatePart::Header,
            "BODY" => TemplatePart::Body,
            _ => TemplatePart::Buttons,
        };
        if needs_example && component.example.is_none() {
            return Err(reject(part, &field, Violation::Missing));
        }
        for (button_index, button) in component.buttons.iter().flatten().enumerate() {
            let url_has_variable = button.url.as_deref().is_some_and(|url| placeholders(url).count() > 0);
            if url_has_variable && button.example.is_none() {
                let field = Field::root("components").index(index).key("buttons").index(button_index).key("example");
                return Err(reject(TemplatePart::Buttons, &field, Violation::Missing));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
