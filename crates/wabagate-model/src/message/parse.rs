//! Turns JSON into this crate's typed message parts, with errors that name the field in
//! Meta's notation instead of serde's `text.body at line 1 column 20`.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::violation::{Field, ValidationError, Violation};

/// Deserialises `value` (found at `field`) into `T`.
///
/// serde reports a missing field as "missing field `x`" on the enclosing object and an
/// unknown one as "unknown field `x`, expected …" on the key: those two become
/// [`Violation::Missing`] and [`Violation::UnexpectedKey`] so that callers see the same
/// kinds as from hand-written rules. Anything else is [`Violation::Unparsable`].
pub(crate) fn parse_part<T: DeserializeOwned>(field: &Field, value: Value) -> Result<T, ValidationError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut path = field.clone();
        let mut last_key = None;
        for segment in error.path().iter() {
            match segment {
                serde_path_to_error::Segment::Map { key } => {
                    last_key = Some(key.clone());
                    path = path.key(key);
                }
                serde_path_to_error::Segment::Seq { index } => path = path.index(*index),
                serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let reason = error.inner().to_string();
        if let Some(missing) = between(&reason, "missing field `", "`") {
            return path.key(missing).error(Violation::Missing);
        }
        if let Some(unknown) = between(&reason, "unknown field `", "`") {
            // The path already ends at the unknown key; report it on its parent object.
            let parent = if last_key.as_deref() == Some(unknown) { parent_of(&path) } else { path };
            return parent.error(Violation::UnexpectedKey { key: unknown.to_owned() });
        }
        if let Some(variant) = between(&reason, "unknown variant `", "`") {
            return path.error(Violation::NotAllowed { value: variant.to_owned() });
        }
        path.error(Violation::Unparsable { reason: strip_position(&reason).to_owned() })
    })
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(start)?;
    rest.find(end).map(|position| &rest[..position])
}

fn parent_of(field: &Field) -> Field {
    let text = field.to_string();
    match text.rfind('[') {
        Some(position) => Field::root(&text[..position]),
        None => field.clone(),
    }
}

/// serde_json appends " at line L column C", meaningless once the value was re-read from a tree.
fn strip_position(reason: &str) -> &str {
    reason.find(" at line ").map_or(reason, |position| &reason[..position])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        body: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[test]
    fn a_missing_field_is_reported_on_its_own_path() {
        let error = parse_part::<Outer>(&Field::root("x"), json!({"items": [{}]})).unwrap_err();
        assert_eq!(error.field, "x['items'][0]['body']");
        assert_eq!(error.violation, Violation::Missing);
    }

    #[test]
    fn an_unknown_field_is_reported_on_its_parent() {
        let error = parse_part::<Outer>(&Field::root("x"), json!({"items": [{"body": "a", "foo": 1}]})).unwrap_err();
        assert_eq!(error.field, "x['items'][0]");
        assert_eq!(error.violation, Violation::UnexpectedKey { key: "foo".into() });
    }

    #[test]
    fn a_wrong_type_is_unparsable_without_line_numbers() {
        let error = parse_part::<Outer>(&Field::root("x"), json!({"items": [{"body": 5}]})).unwrap_err();
        assert_eq!(error.field, "x['items'][0]['body']");
        assert_eq!(
            error.violation,
            Violation::Unparsable { reason: "invalid type: integer `5`, expected a string".into() }
        );
    }
}
