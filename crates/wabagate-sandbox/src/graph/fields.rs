//! Graph's `fields=` parameter: which fields of a node to return.

use serde_json::{Map, Value};

use super::error::GraphError;
use super::request::GraphCall;

/// The fields the call asked for, or `defaults` without `fields=`.
pub(super) fn requested<'a>(call: &'a GraphCall, defaults: &[&'a str]) -> Vec<&'a str> {
    match call.query("fields") {
        Some(fields) => fields.split(',').map(str::trim).filter(|field| !field.is_empty()).collect(),
        None => defaults.to_vec(),
    }
}

/// Builds a node's JSON from the requested fields. `value` answers `None` for a field the
/// node type does not have (an error, as on Graph) and `Some(None)` for a field that is
/// merely unset (omitted, as on Graph).
pub(super) fn select(
    fields: &[&str],
    node_type: &str,
    value: impl Fn(&str) -> Option<Option<Value>>,
) -> Result<Map<String, Value>, GraphError> {
    let mut object = Map::new();
    for field in fields {
        match value(field) {
            None => return Err(GraphError::nonexisting_field(field, node_type)),
            Some(Some(field_value)) => {
                object.insert((*field).to_owned(), field_value);
            }
            Some(None) => {}
        }
    }
    Ok(object)
}
