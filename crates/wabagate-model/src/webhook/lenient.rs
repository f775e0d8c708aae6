//! Reading JSON the way Meta writes it, without trusting it: ids and timestamps arrive as
//! strings or numbers depending on the field and the API version.

use serde_json::Value;

/// A string, or a number written as one (`1187654321098765` → `"1187654321098765"`).
pub(crate) fn string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// An integer, or a string holding one (Meta's `"1750000000"` timestamps).
pub(crate) fn integer(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A value that is present and not `null`.
pub(crate) fn present(value: Option<&Value>) -> Option<Value> {
    value.filter(|value| !value.is_null()).cloned()
}
