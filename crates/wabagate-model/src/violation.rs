//! The one error every rule in this crate returns: which field broke which limit.
//!
//! Field names use Meta's own notation (`interactive['action']['buttons'][0]['reply']['title']`)
//! so that the sandbox can put [`ValidationError`]'s text straight into a Graph error's
//! `error_data.details`, and an SDK can show users the field they wrote.

use std::fmt;

/// A broken rule: the field (in Meta's bracket notation) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.details())]
pub struct ValidationError {
    pub field: String,
    pub violation: Violation,
}

/// What is wrong with a field. Each variant names the limit it enforces, so callers can map
/// a violation to their own error codes without parsing text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A required field is absent.
    Missing,
    /// A required text is present but empty (or only whitespace where Meta trims).
    Empty,
    /// A text is longer than Meta allows (counted in characters, as Meta counts).
    TooLong { max: usize, actual: usize },
    /// A file is larger than Meta allows for its kind.
    TooLarge { max_bytes: u64, actual_bytes: u64 },
    /// A list holds more items than Meta allows.
    TooMany { max: usize, actual: usize },
    /// A list holds fewer items than Meta requires.
    TooFew { min: usize, actual: usize },
    /// A value that must be unique within its list appears twice.
    Duplicate { value: String },
    /// A value outside a closed set (an enum, a MIME type, a language code).
    NotAllowed { value: String },
    /// A value of the right type but the wrong shape; `expected` says what shape.
    Malformed { expected: &'static str },
    /// Two fields that exclude each other are both present (or neither of a required pair).
    ExactlyOneOf { other: String },
    /// The JSON does not have the type or fields Meta expects (`reason` is the parser's text).
    Unparsable { reason: String },
    /// An object carries a key Meta does not know (its schemas forbid additional properties).
    UnexpectedKey { key: String },
    /// The message type is not one this model (and the sandbox) supports.
    UnsupportedType { value: String },
    /// A template variable (`{{1}}`) stands at the very start or end of a text.
    VariableAtEdge,
    /// A message type that cannot go to this kind of recipient (a reaction to a group, a
    /// pin to a person).
    NotForRecipientType { message_type: String, recipient_type: &'static str },
}

impl ValidationError {
    pub fn new(field: impl Into<String>, violation: Violation) -> Self {
        Self { field: field.into(), violation }
    }

    /// The sentence Meta-compatible servers put in `error_data.details`.
    pub fn details(&self) -> String {
        let field = &self.field;
        match &self.violation {
            Violation::Missing => format!("The parameter {field} is required."),
            Violation::Empty => format!("Param {field} must not be empty."),
            Violation::TooLong { max, .. } => format!("Param {field} must be at most {max} characters long."),
            Violation::TooLarge { max_bytes, actual_bytes } => {
                format!("Param {field} is {actual_bytes} bytes, more than the {max_bytes} bytes allowed.")
            }
            Violation::TooMany { max, actual } => {
                format!("Param {field} must have at most {max} items, but has {actual}.")
            }
            Violation::TooFew { min, actual } => {
                format!("Param {field} must have at least {min} items, but has {actual}.")
            }
            Violation::Duplicate { value } => format!("Param {field} must be unique; '{value}' is repeated."),
            Violation::NotAllowed { value } => format!("Param {field} has an invalid value '{value}'."),
            Violation::Malformed { expected } => format!("Param {field} must be {expected}."),
            Violation::ExactlyOneOf { other } => {
                format!("Param {field} and {other}: exactly one of them must be set.")
            }
            Violation::Unparsable { reason } => format!("Param {field} is invalid: {reason}"),
            Violation::UnexpectedKey { key } => format!("Unexpected key \"{key}\" on param \"{field}\"."),
            Violation::UnsupportedType { value } => format!("Unsupported message type '{value}'."),
            Violation::VariableAtEdge => format!("Param {field} must not start or end with a variable."),
            Violation::NotForRecipientType { message_type, recipient_type } => {
                format!("Messages of type '{message_type}' cannot be sent to recipient_type {recipient_type}.")
            }
        }
    }
}

/// Builds a field path in Meta's notation: `Field::root("interactive").key("action").index(0)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field(String);

impl Field {
    pub fn root(name: &str) -> Self {
        Self(name.to_owned())
    }

    /// The body itself: keys under it are named bare (`message_id`, not `['message_id']`).
    pub fn top() -> Self {
        Self(String::new())
    }

    pub fn key(&self, name: &str) -> Self {
        if self.0.is_empty() { Self(name.to_owned()) } else { Self(format!("{}['{name}']", self.0)) }
    }

    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    pub fn error(&self, violation: Violation) -> ValidationError {
        ValidationError::new(self.0.clone(), violation)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Fails with [`Violation::TooLong`] when `text` has more than `max` characters.
pub fn check_max_chars(field: &Field, text: &str, max: usize) -> Result<(), ValidationError> {
    // Meta counts characters, not bytes; checking the byte length first avoids counting
    // the common short case.
    if text.len() <= max {
        return Ok(());
    }
    let actual = text.chars().count();
    if actual > max { Err(field.error(Violation::TooLong { max, actual })) } else { Ok(()) }
}

/// Fails with [`Violation::Missing`] for `None` and [`Violation::Empty`] for a blank text.
pub fn require_text<'a>(field: &Field, text: Option<&'a str>) -> Result<&'a str, ValidationError> {
    match text {
        None => Err(field.error(Violation::Missing)),
        Some(text) if text.trim().is_empty() => Err(field.error(Violation::Empty)),
        Some(text) => Ok(text),
    }
}

/// Checks a required text: present, not blank, at most `max` characters.
pub fn check_required_text(field: &Field, text: Option<&str>, max: usize) -> Result<(), ValidationError> {
    let text = require_text(field, text)?;
    check_max_chars(field, text, max)
}

/// Checks an optional text against a maximum length.
pub fn check_optional_text(field: &Field, text: Option<&str>, max: usize) -> Result<(), ValidationError> {
    text.map_or(Ok(()), |text| check_max_chars(field, text, max))
}

/// Checks that a list has between `min` and `max` items.
pub fn check_count(field: &Field, actual: usize, min: usize, max: usize) -> Result<(), ValidationError> {
    if actual < min {
        return Err(field.error(Violation::TooFew { min, actual }));
    }
    if actual > max {
        return Err(field.error(Violation::TooMany { max, actual }));
    }
    Ok(())
}
