//! A small validator for the subset of JSON Schema (OpenAPI 3.1 flavour) that Meta's
//! OpenAPI file uses in its response schemas. Keywords it does not know fail the
//! validation loudly, so a schema the validator cannot judge is never passed silently.
//!
//! Annotation-only keywords (`description`, `example`, `format`, `discriminator`, …) are
//! ignored, as JSON Schema 2020-12 does by default.

use serde_json::Value;

const ANNOTATIONS: &[&str] = &[
    "description",
    "example",
    "examples",
    "title",
    "format",
    "discriminator",
    "deprecated",
    "readOnly",
    "writeOnly",
    "default",
    "externalDocs",
    "xml",
];

/// Validates `instance` against `schema`, resolving `$ref`s in `root`. Returns every
/// violation as `path: problem`.
pub(crate) fn validate(root: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check(root, schema, instance, "$", &mut problems);
    problems
}

fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

fn type_matches(expected: &str, instance: &Value) -> bool {
    match expected {
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        "integer" => instance.as_i64().is_some() || instance.as_u64().is_some(),
        "number" => instance.is_number(),
        _ => false,
    }
}

fn check(root: &Value, schema: &Value, instance: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            problems.push(format!("{path}: no value is allowed here"));
        }
        return;
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) && instance.is_null() {
        return;
    }
    for (keyword, argument) in schema {
        match keyword.as_str() {
            "$ref" => match argument.as_str().and_then(|reference| resolve(root, reference)) {
                Some(target) => check(root, target, instance, path, problems),
                None => problems.push(format!("{path}: unresolvable $ref {argument}")),
            },
            "type" => {
                let allowed: Vec<&str> = match argument {
                    Value::String(kind) => vec![kind.as_str()],
                    Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if !allowed.iter().any(|kind| type_matches(kind, instance)) {
                    problems.push(format!("{path}: expected type {allowed:?}, got {instance}"));
                }
            }
            "nullable" => {}
            "properties" => {
                let (Some(properties), Some(object)) = (argument.as_object(), instance.as_object()) else { continue };
                for (name, property_schema) in properties {
                    if let Some(value) = object.get(name) {
                        check(root, property_schema, value, &format!("{path}.{name}"), problems);
                    }
                }
            }
            "required" => {
                let Some(object) = instance.as_object() else { continue };
                for name in argument.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        problems.push(format!("{path}: required property '{name}' is missing"));
                    }
                }
            }
            "additionalProperties" => {
                let Some(object) = instance.as_object() else { continue };
                let declared = schema.get("properties").and_then(Value::as_object);
                for (name, value) in object {
                    if declared.is_some_and(|declared| declared.contains_key(name)) {
                        continue;
                    }
                    match argument {
                        Value::Bool(false) => problems.push(format!("{path}: property '{name}' is not allowed")),
                        Value::Object(_) => check(root, argument, value, &format!("{path}.{name}"), problems),
                        _ => {}
                    }
                }
            }
            "items" => {
                for (index, item) in instance.as_array().into_iter().flatten().enumerate() {
                    check(root, argument, item, &format!("{path}[{index}]"), problems);
                }
            }
            "enum" => {
                if !argument.as_array().is_some_and(|values| values.contains(instance)) {
                    problems.push(format!("{path}: {instance} is not one of {argument}"));
                }
            }
            "const" => {
                if argument != instance {
                    problems.push(format!("{path}: {instance} is not {argument}"));
                }
            }
            "allOf" => {
                for part in argument.as_array().into_iter().flatten() {
                    check(root, part, instance, path, problems);
                }
            }
            "anyOf" | "oneOf" => {
                let parts = argument.as_array().map(Vec::as_slice).unwrap_or_default();
                let passing = parts.iter().filter(|part| validate(root, part, instance).is_empty()).count();
                let ok = if keyword == "oneOf" { passing == 1 } else { passing >= 1 };
                if !ok {
                    problems.push(format!("{path}: {passing} of {} {keyword} alternatives match", parts.len()));
                }
            }
            "not" => {
                if validate(root, argument, instance).is_empty() {
                    problems.push(format!("{path}: matches a schema it must not match"));
                }
            }
            "minLength" | "maxLength" => {
                let (Some(text), Some(limit)) = (instance.as_str(), argument.as_u64()) else { continue };
                let length = text.chars().count() as u64;
                if (keyword == "minLength" && length < limit) || (keyword == "maxLength" && length > limit) {
                    problems.push(format!("{path}: length {length} breaks {keyword} {limit}"));
                }
            }
            "minItems" | "maxItems" => {
                let (Some(items), Some(limit)) = (instance.as_array(), argument.as_u64()) else { continue };
                let count = items.len() as u64;
                if (keyword == "minItems" && count < limit) || (keyword == "maxItems" && count > limit) {
                    problems.push(format!("{path}: {count} items break {keyword} {limit}"));
                }
            }
            "minimum" | "maximum" => {
                let (Some(number), Some(limit)) = (instance.as_f64(), argument.as_f64()) else { continue };
                if (keyword == "minimum" && number < limit) || (keyword == "maximum" && number > limit) {
                    problems.push(format!("{path}: {number} breaks {keyword} {limit}"));
                }
            }
            "pattern" => {
                let (Some(text), Some(pattern)) = (instance.as_str(), argument.as_str()) else { continue };
                match crate::pattern::matches(pattern, text) {
                    Ok(true) => {}
                    Ok(false) => problems.push(format!("{path}: {text:?} does not match {pattern}")),
                    Err(reason) => problems.push(format!("{path}: cannot judge pattern {pattern}: {reason}")),
                }
            }
            annotation if ANNOTATIONS.contains(&annotation) => {}
            unknown => problems.push(format!("{path}: the validator does not implement keyword '{unknown}'")),
        }
    }
}

#[test]
fn the_validator_judges_the_keywords_it_implements() {
    let root = serde_json::json!({"components": {"schemas": {"Id": {"type": "string", "maxLength": 3}}}});
    let schema = serde_json::json!({"type": "object", "required": ["id"], "additionalProperties": false,
        "properties": {"id": {"$ref": "#/components/schemas/Id"}, "n": {"type": "integer", "minimum": 1},
                       "tags": {"type": "array", "maxItems": 1, "items": {"enum": ["a"]}},
                       "kind": {"oneOf": [{"const": "x"}, {"const": "y"}]}}});
    assert!(validate(&root, &schema, &serde_json::json!({"id": "abc", "n": 2, "tags": ["a"], "kind": "x"})).is_empty());
    let problems = validate(
        &root,
        &schema,
        &serde_json::json!({"id": "abcd", "n": 0, "tags": ["b", "a"], "kind": "z", "extra": 1}),
    );
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert_eq!(
        validate(&root, &serde_json::json!({"if": {}}), &serde_json::json!("a")).len(),
        1,
        "unknown keywords fail"
    );
    assert_eq!(validate(&root, &serde_json::json!({"pattern": "^[A-Z]{3}$"}), &serde_json::json!("usd")).len(), 1);
}
