//! Meta's rules name JSON paths (`interactive['action']['buttons'][0]['reply']['title']`);
//! a person at the command line typed flags. This turns a rule broken locally into a
//! sentence about the flag (`--button: a title must be at most 20 characters (it has 31)`).
//! Each command says which flag a path came from; a path no flag maps to keeps Meta's words.

use wabagate_sdk::{Error, ValidationError, Violation};

use super::failure::Failure;
use super::output::human_size;

/// A field path without its indexes (`interactive.action.buttons.reply.title`) and the
/// indexes in order (`[0]`), which is what a command needs to name the flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPath {
    pub(crate) path: String,
    pub(crate) indexes: Vec<usize>,
}

impl FieldPath {
    /// Parses the model's field notation: `a['b'][0]['c']`, `components[1].text`.
    pub(crate) fn parse(field: &str) -> Self {
        let mut names = Vec::new();
        let mut indexes = Vec::new();
        for part in field.split(['[', ']', '.']).filter(|part| !part.is_empty()) {
            let part = part.trim_matches(['\'', '"']);
            match part.parse::<usize>() {
                Ok(index) => indexes.push(index),
                Err(_) => names.push(part),
            }
        }
        Self { path: names.join("."), indexes }
    }
}

/// The flag a message field comes from, for every `send` subcommand.
pub(crate) fn send_flag(field: &FieldPath) -> Option<String> {
    let path = field.path.as_str();
    let flag = match path {
        "to" => "--to",
        "recipient_type" => "--group",
        "context.message_id" => "--reply-to",
        "text.body" => "--body",
        "interactive.body.text" => "--body",
        "interactive.header.text" => "--header",
        "interactive.footer.text" => "--footer",
        "interactive.action.button" => "--button-text",
        "reaction.message_id" => "--message-id",
        "reaction.emoji" => "--emoji",
        "pin.message_id" => "--message-id",
        "pin.expiration_days" => "--days",
        "location.latitude" => "--latitude",
        "location.longitude" => "--longitude",
        "location.name" => "--name",
        "location.address" => "--address",
        "template.name" => "--name",
        "template.language.code" | "template.language" => "--language",
        "contacts" | "contacts.name.formatted_name" | "contacts.name" => "--name",
        "contacts.name.first_name" => "--first-name",
        "contacts.name.last_name" => "--last-name",
        "document.filename" => "--filename",
        _ if path.starts_with("interactive.action.buttons") => "--button",
        _ if path.starts_with("interactive.action.sections") => "--row",
        _ if path.starts_with("contacts.phones") => "--phone",
        _ if path.starts_with("contacts.emails") => "--email",
        _ if path.ends_with(".caption") => "--caption",
        _ if path.ends_with(".link") => "--link",
        _ if path.ends_with(".id") && !path.starts_with("template") => "--id",
        _ => return None,
    };
    Some(flag.to_owned())
}

/// The error as the command line says it: `Failure::Invalid` when the field maps to a flag,
/// else the SDK's own error (Meta's wording, field path and all).
pub(crate) fn in_flag_terms(error: Error, json: bool, flag_for: &dyn Fn(&FieldPath) -> Option<String>) -> Failure {
    match &error {
        Error::Invalid(invalid) => match flag_for(&FieldPath::parse(&invalid.field)) {
            Some(flag) => Failure::Invalid(sentence(&flag, invalid)),
            None => Failure::Sdk { error, json },
        },
        _ => Failure::Sdk { error, json },
    }
}

/// Attaches the command's flag names to a result's local validation errors.
pub(crate) trait FlagTermsExt<T> {
    fn or_fail_in_terms(self, json: bool, flag_for: &dyn Fn(&FieldPath) -> Option<String>) -> Result<T, Failure>;
}

impl<T> FlagTermsExt<T> for Result<T, Error> {
    fn or_fail_in_terms(self, json: bool, flag_for: &dyn Fn(&FieldPath) -> Option<String>) -> Result<T, Failure> {
        self.map_err(|error| in_flag_terms(error, json, flag_for))
    }
}

/// One sentence about `flag` breaking the rule.
fn sentence(flag: &str, error: &ValidationError) -> String {
    let what = FieldPath::parse(&error.field).path.rsplit('.').next().unwrap_or_default().replace('_', " ");
    // When the flag carries several parts (--button ID=TITLE), say which part is wrong.
    let part = match (flag, what.as_str()) {
        ("--button" | "--row" | "--phone" | "--email", "id" | "title" | "description" | "phone" | "email" | "type") => {
            format!(" ({what})")
        }
        _ => String::new(),
    };
    match &error.violation {
        // Meta wants one example per body variable: say it in those terms.
        Violation::TooFew { min: wanted, actual } | Violation::TooMany { max: wanted, actual }
            if flag == "--example" =>
        {
            let plural = if *wanted == 1 { "" } else { "s" };
            format!(
                "--example {}; the body has {wanted} variable{plural}: give one --example per variable, in order",
                given(*actual)
            )
        }
        Violation::Missing if flag == "--example" => {
            "--example is required: give one --example per variable of the body, in order".to_owned()
        }
        Violation::Missing => format!("{flag}{part} is required"),
        Violation::Empty => format!("{flag}{part} must not be empty"),
        Violation::TooLong { max, actual } => {
            format!("{flag}{part} must be at most {max} characters (it has {actual})")
        }
        Violation::TooLarge { max_bytes, actual_bytes } => {
            let (actual, max) = (human_size(*actual_bytes), human_size(*max_bytes));
            if actual == max {
                // Just over the limit: rounded, the sizes would read the same.
                format!("{flag}: {actual_bytes} bytes is more than the {max} ({max_bytes} bytes) allowed")
            } else {
                format!("{flag}: {actual} is more than the {max} allowed")
            }
        }
        Violation::TooMany { max, actual } => format!("{flag}{part} given {actual} times; at most {max} allowed"),
        Violation::TooFew { min, actual } => format!("{flag}{part} given {actual} times; at least {min} needed"),
        Violation::Duplicate { value } => format!("{flag}{part} {value:?} is given twice; each must be unique"),
        Violation::NotAllowed { value } => format!("{flag}{part}: {value:?} is not allowed"),
        Violation::Malformed { expected } => format!("{flag}{part} must be {expected}"),
        Violation::VariableAtEdge => {
            format!("{flag} must not start or end with a variable ({{{{1}}}}): put some text before and after it")
        }
        _ => format!("{flag}: {error}"),
    }
}

fn given(count: usize) -> String {
    match count {
        0 => "not given".to_owned(),
        1 => "given once".to_owned(),
        2 => "given twice".to_owned(),
        count => format!("given {count} times"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_lose_quotes_and_keep_indexes_apart() {
        let field = FieldPath::parse("interactive['action']['buttons'][0]['reply']['title']");
        assert_eq!(field.path, "interactive.action.buttons.reply.title");
        assert_eq!(field.indexes, vec![0]);
        assert_eq!(FieldPath::parse("components[1].example.body_text[0]").path, "components.example.body_text");
    }

    #[test]
    fn a_send_rule_names_the_flag() {
        let error = Error::Invalid(ValidationError::new(
            "interactive['action']['buttons'][0]['reply']['title']",
            Violation::TooLong { max: 20, actual: 31 },
        ));
        let Failure::Invalid(message) = in_flag_terms(error, false, &send_flag) else { panic!() };
        assert_eq!(message, "--button (title) must be at most 20 characters (it has 31)");
    }

    #[test]
    fn too_few_examples_are_counted_against_the_variables() {
        let error =
            ValidationError::new("components[0]['example']['body_text'][0]", Violation::TooFew { min: 2, actual: 1 });
        assert_eq!(
            sentence("--example", &error),
            "--example given once; the body has 2 variables: give one --example per variable, in order"
        );
    }

    #[test]
    fn a_path_without_a_flag_keeps_metas_words() {
        let error = Error::Invalid(ValidationError::new("biz_opaque_callback_data", Violation::Empty));
        assert!(matches!(in_flag_terms(error, false, &send_flag), Failure::Sdk { .. }));
    }
}
