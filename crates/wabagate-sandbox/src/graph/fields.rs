//! Graph's `fields=` parameter: which fields of a node to return, in Graph's field-expansion
//! syntax. `fields=id,throughput{level},phone_numbers.limit(2){id,status}` names fields,
//! optionally with modifiers (`.limit(n)`; others are accepted and ignored) and a nested
//! selection in braces, to any depth.

use serde_json::{Map, Value};

use super::error::GraphError;
use super::request::GraphCall;

/// One requested field: its name, its `.limit(n)` and the sub-selection in braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field {
    pub name: String,
    pub limit: Option<usize>,
    /// `None` without braces: the field's own default sub-fields.
    pub children: Option<Vec<Field>>,
}

impl Field {
    /// A field without modifiers or sub-selection.
    pub(super) fn plain(name: &str) -> Self {
        Self { name: name.to_owned(), limit: None, children: None }
    }
}

/// Deepest nesting accepted; a hostile `fields=` cannot recurse without bound.
const MAX_DEPTH: usize = 8;

/// The fields the call asked for, or `defaults` without `fields=`.
pub(super) fn requested(call: &GraphCall, defaults: &[&str]) -> Result<Vec<Field>, GraphError> {
    match call.query("fields") {
        Some(text) => parse(text),
        None => Ok(plain(defaults)),
    }
}

/// `defaults` as a selection.
pub(super) fn plain(names: &[&str]) -> Vec<Field> {
    names.iter().map(|name| Field::plain(name)).collect()
}

/// Parses a `fields=` value; a malformed one is Graph's 2500 syntax error.
pub(super) fn parse(text: &str) -> Result<Vec<Field>, GraphError> {
    let mut parser = Parser { text, position: 0 };
    let fields = parser.list(0)?;
    if parser.position < text.len() {
        return Err(parser.expected("end of string"));
    }
    Ok(fields)
}

struct Parser<'a> {
    text: &'a str,
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.position..].chars().next()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    fn eat(&mut self, expected: char) -> bool {
        self.skip_spaces();
        let found = self.peek() == Some(expected);
        if found {
            self.position += expected.len_utf8();
        }
        found
    }

    /// Comma-separated fields up to a `}` or the end; empty items are skipped, as Graph does.
    fn list(&mut self, depth: usize) -> Result<Vec<Field>, GraphError> {
        if depth > MAX_DEPTH {
            return Err(self.expected("fewer nested fields"));
        }
        let mut fields = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                None | Some('}') => return Ok(fields),
                Some(',') => self.position += 1,
                Some(_) => {
                    fields.push(self.field(depth)?);
                    self.skip_spaces();
                    if !matches!(self.peek(), None | Some(',' | '}')) {
                        return Err(self.expected("\",\""));
                    }
                }
            }
        }
    }

    fn field(&mut self, depth: usize) -> Result<Field, GraphError> {
        let mut field = Field::plain(self.name()?);
        while self.eat('.') {
            let modifier = self.name()?.to_owned();
            if !self.eat('(') {
                return Err(self.expected("\"(\""));
            }
            let start = self.position;
            let end =
                self.text[start..].find(')').map(|offset| start + offset).ok_or_else(|| self.expected("\")\""))?;
            if modifier == "limit" {
                let limit = self.text[start..end].trim().parse().map_err(|_| self.expected("a number"))?;
                field.limit = Some(limit);
            }
            self.position = end + 1;
        }
        if self.eat('{') {
            field.children = Some(self.list(depth + 1)?);
            if !self.eat('}') {
                return Err(self.expected("\"}\""));
            }
        }
        Ok(field)
    }

    fn name(&mut self) -> Result<&str, GraphError> {
        self.skip_spaces();
        let start = self.position;
        let length = self.text[start..]
            .find(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
            .unwrap_or(self.text.len() - start);
        if length == 0 {
            return Err(self.expected("a field name"));
        }
        self.position += length;
        Ok(&self.text[start..self.position])
    }

    fn expected(&self, what: &str) -> GraphError {
        let found = self.peek().map_or_else(|| "end of string".to_owned(), |character| format!("\"{character}\""));
        GraphError::syntax(&format!(
            "Syntax error \"Expected {what} instead of {found}.\" at character {}: {}",
            self.position, self.text
        ))
    }
}

/// Builds a node's JSON from the requested fields. `value` answers `None` for a field the
/// node type does not have (an error, as on Graph) and `Some(None)` for a field that is
/// merely unset (omitted, as on Graph). A nested selection narrows the value it gets.
pub(super) fn select(
    fields: &[Field],
    node_type: &str,
    value: impl Fn(&Field) -> Result<Option<Option<Value>>, GraphError>,
) -> Result<Map<String, Value>, GraphError> {
    let mut object = Map::new();
    for field in fields {
        match value(field)? {
            None => return Err(GraphError::nonexisting_field(&field.name, node_type)),
            Some(Some(field_value)) => {
                let narrowed = match &field.children {
                    Some(children) => narrow(field_value, children),
                    None => field_value,
                };
                object.insert(field.name.clone(), narrowed);
            }
            Some(None) => {}
        }
    }
    Ok(object)
}

/// Keeps only the `children` of a structured value: of each item of a connection
/// (`{"data": [...], "paging": …}`) or array, or of the object itself.
fn narrow(value: Value, children: &[Field]) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(|item| narrow(item, children)).collect()),
        Value::Object(mut object) if object.get("data").is_some_and(Value::is_array) => {
            if let Some(data) = object.remove("data") {
                object.insert("data".into(), narrow(data, children));
            }
            Value::Object(object)
        }
        Value::Object(mut object) => {
            let mut kept = Map::new();
            for child in children {
                if let Some(value) = object.remove(&child.name) {
                    let value = match &child.children {
                        Some(grandchildren) => narrow(value, grandchildren),
                        None => value,
                    };
                    kept.insert(child.name.clone(), value);
                }
            }
            Value::Object(kept)
        }
        scalar => scalar,
    }
}

/// A connection (`{"data": [...]}`) of an edge's items, cut to the field's `.limit(n)`.
pub(super) fn connection(field: &Field, mut items: Vec<Value>) -> Value {
    if let Some(limit) = field.limit {
        items.truncate(limit);
    }
    serde_json::json!({ "data": items })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|field| field.name.as_str()).collect()
    }

    #[test]
    fn a_flat_list_skips_empty_items_and_spaces() {
        let fields = parse(" id, name,,status ,").unwrap();
        assert_eq!(names(&fields), ["id", "name", "status"]);
        assert!(fields.iter().all(|field| field.children.is_none()));
    }

    #[test]
    fn braces_nest_to_any_depth() {
        let fields = parse("id,throughput{level},a{b,c{d,e}},f").unwrap();
        assert_eq!(names(&fields), ["id", "throughput", "a", "f"]);
        assert_eq!(names(fields[1].children.as_ref().unwrap()), ["level"]);
        let a = fields[2].children.as_ref().unwrap();
        assert_eq!(names(a), ["b", "c"]);
        assert_eq!(names(a[1].children.as_ref().unwrap()), ["d", "e"]);
    }

    #[test]
    fn modifiers_before_braces_are_read() {
        let fields = parse("phone_numbers.limit(2){id},message_templates.summary(true)").unwrap();
        assert_eq!(fields[0].limit, Some(2));
        assert_eq!(names(fields[0].children.as_ref().unwrap()), ["id"]);
        assert_eq!(fields[1].limit, None);
    }

    #[test]
    fn malformed_selections_are_syntax_errors_with_the_position() {
        for (text, position) in [("id,name}", 7), ("a{b", 3), ("a.limit(x)", 8), ("a b", 2), ("a.limit(1", 8)] {
            let error = parse(text).unwrap_err();
            assert_eq!(error.error.code, 2500, "{text}");
            assert!(
                error.error.message.contains(&format!("at character {position}: {text}")),
                "{}",
                error.error.message
            );
        }
        let deep = format!("{}x{}", "a{".repeat(20), "}".repeat(20));
        assert_eq!(parse(&deep).unwrap_err().error.code, 2500);
    }

    #[test]
    fn a_nested_selection_narrows_objects_arrays_and_connections() {
        let fields = parse("t{level},c{id},s{a{b}}").unwrap();
        let object = select(&fields, "Node", |field| {
            Ok(Some(Some(match field.name.as_str() {
                "t" => json!({"level": "STANDARD", "other": 1}),
                "c" => json!({"data": [{"id": "1", "x": 2}], "paging": {}}),
                _ => json!([{"a": {"b": 1, "c": 2}, "z": 3}]),
            })))
        })
        .unwrap();
        assert_eq!(
            Value::Object(object),
            json!({"t": {"level": "STANDARD"}, "c": {"data": [{"id": "1"}], "paging": {}}, "s": [{"a": {"b": 1}}]})
        );
    }

    #[test]
    fn an_unknown_field_is_metas_nonexisting_field_error() {
        let error = select(&plain(&["bogus"]), "WhatsAppBusinessPhoneNumber", |_| Ok(None)).unwrap_err();
        assert_eq!(
            error.error.message,
            "(#100) Tried accessing nonexisting field (bogus) on node type (WhatsAppBusinessPhoneNumber)"
        );
    }
}
