//! A POST's parameters wherever Graph takes them from: a JSON or form-encoded body, a
//! multipart form's text fields, and the query string (the body wins).

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use serde_json::{Map, Value};

use super::error::GraphError;
use super::messages;
use super::request::GraphCall;

/// A multipart form's fields are small (a Flow's JSON is the largest); a larger field is
/// not a parameter.
const FIELD_LIMIT: usize = 1024 * 1024;

/// The call's parameters as one JSON object.
pub(super) async fn read(call: &GraphCall, request: Request) -> Result<Map<String, Value>, GraphError> {
    let mut object = if call.content_type().as_deref() == Some("multipart/form-data") {
        multipart_fields(request).await?
    } else {
        match messages::read_json_body(call, request.into_body()).await? {
            Value::Object(object) => object,
            _ => return Err(GraphError::unparsable_body("expected a JSON object")),
        }
    };
    for (name, value) in &call.query {
        if name != "access_token" && name != "fields" {
            object.entry(name.clone()).or_insert_with(|| Value::String(value.clone()));
        }
    }
    Ok(object)
}

/// [`read`] for handlers that were handed only the body.
pub(super) async fn read_body(call: &GraphCall, body: Body) -> Result<Map<String, Value>, GraphError> {
    read(call, Request::new(body)).await
}

async fn multipart_fields(request: Request) -> Result<Map<String, Value>, GraphError> {
    let malformed = |error: axum::extract::multipart::MultipartError| {
        GraphError::invalid_parameter(format!("The multipart body could not be read: {}", error.body_text()))
    };
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|rejection| {
        GraphError::invalid_parameter(format!("The body must be multipart/form-data: {rejection}"))
    })?;
    let mut object = Map::new();
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if text.len() + chunk.len() > FIELD_LIMIT {
                return Err(GraphError::invalid_parameter(format!("Param {name} is too long.")));
            }
            text.extend_from_slice(&chunk);
        }
        object.insert(name, Value::String(String::from_utf8_lossy(&text).into_owned()));
    }
    Ok(object)
}

/// A boolean parameter, given as JSON `true` or as the text `true`/`false`.
pub(super) fn boolean(params: &Map<String, Value>, name: &str) -> Result<Option<bool>, GraphError> {
    match params.get(name) {
        None => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(GraphError::invalid_parameter(format!("Param {name} must be a boolean, got {other}."))),
    }
}

/// An array parameter, given as a JSON array or as text holding one (Graph decodes
/// JSON-encoded values of array parameters in any transport, and Meta's own examples pass
/// `commands=[…]` in the query string).
pub(super) fn array(params: &Map<String, Value>, name: &str) -> Result<Option<Vec<Value>>, GraphError> {
    let not_an_array = || GraphError::invalid_parameter(format!("Param {name} must be an array."));
    match params.get(name) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.clone())),
        Some(Value::String(text)) => match serde_json::from_str(text) {
            Ok(Value::Array(items)) => Ok(Some(items)),
            _ => Err(not_an_array()),
        },
        Some(_) => Err(not_an_array()),
    }
}

/// A required text parameter.
pub(super) fn text<'a>(params: &'a Map<String, Value>, name: &str) -> Result<&'a str, GraphError> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| GraphError::missing_parameter(name))
}
