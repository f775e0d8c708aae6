//! Meta's rule that a template's example values match its variables one for one
//! (whatsapp-cloud-api.md §4.3): `header_text` holds one value per header variable,
//! `body_text` one row with one value per body variable (or, for `NAMED` templates,
//! `*_text_named_params` with one entry per variable), and a URL button with a variable
//! one example URL.

use serde_json::Value;

use super::definition::{TemplateDefinition, TemplateError, TemplatePart};
use super::placeholders::placeholders;
use crate::violation::{Field, Violation, check_count};

/// Checks the example values that are present against the number of variables they
/// illustrate; whether examples are present at all is [`super::check_examples`].
///
/// Errors are [`Violation::TooFew`]/[`Violation::TooMany`] on the example field, with the
/// number of variables as the limit, or [`Violation::Malformed`] when the example does not
/// have Meta's shape.
pub fn check_example_counts(definition: &TemplateDefinition) -> Result<(), TemplateError> {
    let named = definition.is_named();
    for (index, component) in definition.components.iter().enumerate() {
        let field = Field::root("components").index(index).key("example");
        let kind = component.kind.to_ascii_uppercase();
        let part = match kind.as_str() {
            "HEADER" => TemplatePart::Header,
            "BODY" => TemplatePart::Body,
            _ => TemplatePart::Buttons,
        };
        let fail = |error| TemplateError { part, error };
        let variables = component.text.as_deref().map(|text| placeholders(text).count()).unwrap_or_default();
        if let (Some(example), "HEADER" | "BODY") = (&component.example, kind.as_str()) {
            let key = match (kind.as_str(), named) {
                ("HEADER", false) => "header_text",
                ("HEADER", true) => "header_text_named_params",
                (_, false) => "body_text",
                (_, true) => "body_text_named_params",
            };
            let Some(values) = example.get(key) else {
                if variables > 0 {
                    return Err(fail(field.key(key).error(Violation::Missing)));
                }
                continue;
            };
            // Positional bodies nest one row of values in an outer list; Meta only reads the first row.
            let (values, values_field) = if key == "body_text" {
                (values.get(0).unwrap_or(&Value::Null), field.key(key).index(0))
            } else {
                (values, field.key(key))
            };
            let Some(values) = values.as_array() else {
                let expected = if key == "body_text" { "a list holding one list of values" } else { "a list" };
                return Err(fail(values_field.error(Violation::Malformed { expected })));
            };
            check_count(&values_field, values.len(), variables, variables).map_err(fail)?;
        }
        for (button_index, button) in component.buttons.iter().flatten().enumerate() {
            let url_variables = button.url.as_deref().map(|url| placeholders(url).count()).unwrap_or_default();
            let Some(example) = &button.example else { continue };
            let button_field = Field::root("components").index(index).key("buttons").index(button_index).key("example");
            if url_variables > 0 {
                let count = example.as_array().map_or(1, Vec::len);
                check_count(&button_field, count, url_variables, url_variables).map_err(fail)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn definition(body: Value) -> TemplateDefinition {
        serde_json::from_value(body).expect("a well-typed definition")
    }

    fn order_confirmation(body_example: Value) -> TemplateDefinition {
        definition(json!({
            "name": "order_confirmation", "language": "en_US", "category": "UTILITY",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["A-1"]}},
                {"type": "BODY", "text": "Hello {{1}}, your order #{{2}} is confirmed!", "example": body_example}
            ]
        }))
    }

    #[test]
    fn one_example_value_per_variable_is_accepted() {
        assert_eq!(check_example_counts(&order_confirmation(json!({"body_text": [["Ana", "42"]]}))), Ok(()));
    }

    #[test]
    fn too_few_or_too_many_body_examples_name_the_count() {
        let error = check_example_counts(&order_confirmation(json!({"body_text": [["Ana"]]}))).unwrap_err();
        assert_eq!(error.part, TemplatePart::Body);
        assert_eq!(error.error.field, "components[1]['example']['body_text'][0]");
        assert_eq!(error.error.violation, Violation::TooFew { min: 2, actual: 1 });
        let error = check_example_counts(&order_confirmation(json!({"body_text": [["a", "b", "c"]]}))).unwrap_err();
        assert_eq!(error.error.violation, Violation::TooMany { max: 2, actual: 3 });
    }

    #[test]
    fn an_example_without_the_variables_key_or_in_the_wrong_shape_is_refused() {
        let error = check_example_counts(&order_confirmation(json!({"header_text": ["x"]}))).unwrap_err();
        assert_eq!(error.error.field, "components[1]['example']['body_text']");
        assert_eq!(error.error.violation, Violation::Missing);
        let error = check_example_counts(&order_confirmation(json!({"body_text": ["Ana", "42"]}))).unwrap_err();
        assert!(matches!(error.error.violation, Violation::Malformed { .. }));
    }

    #[test]
    fn named_templates_use_named_params_examples() {
        let template = definition(json!({
            "name": "welcome", "language": "en_US", "category": "MARKETING", "parameter_format": "NAMED",
            "components": [{"type": "BODY", "text": "Hi {{first_name}}, welcome.",
                "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ana"}]}}]
        }));
        assert_eq!(check_example_counts(&template), Ok(()));
    }

    #[test]
    fn a_url_button_with_a_variable_has_one_example_url() {
        let template = definition(json!({
            "name": "shipping", "language": "en_US", "category": "UTILITY",
            "components": [
                {"type": "BODY", "text": "Your parcel is on its way."},
                {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://x.example/t/{{1}}",
                    "example": ["https://x.example/t/1", "https://x.example/t/2"]}]}
            ]
        }));
        let error = check_example_counts(&template).unwrap_err();
        assert_eq!(error.error.field, "components[1]['buttons'][0]['example']");
        assert_eq!(error.error.violation, Violation::TooMany { max: 1, actual: 2 });
    }
}
