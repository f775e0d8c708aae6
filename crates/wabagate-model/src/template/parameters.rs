//! Whether a template send's parameters fit the template: one parameter per variable in
//! each component, of the kind the component's format asks for (whatsapp-cloud-api.md §2.10).

use super::definition::{TemplateCategory, TemplateDefinition};
use super::placeholders::placeholders;
use crate::message::{ComponentKind, Parameter, TemplateMessage};

/// Why a send does not fit its template. `Count` is Meta's 132000, `Format` its 132012.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterMismatch {
    #[error(
        "{component}: number of localizable_params ({actual}) does not match the expected number of params ({expected})"
    )]
    Count { component: String, expected: usize, actual: usize },
    #[error("{component}: Format mismatch, expected {expected}, received {received}")]
    Format { component: String, expected: String, received: String },
}

/// Compares the parameters of `message` with the variables of `template`.
///
/// - header: as many parameters as the text header has variables, or one media/location
///   parameter of the header's format;
/// - body: as many parameters as the body has distinct variables (an authentication body
///   written by Meta has one, the code); named templates need each variable's name;
/// - buttons: a URL button whose URL has a variable, and an OTP button, need one parameter
///   at their index; a parameter for a button index the template lacks is a mismatch.
pub fn check_parameters(template: &TemplateDefinition, message: &TemplateMessage) -> Result<(), ParameterMismatch> {
    check_header(template, message)?;
    check_body(template, message)?;
    check_buttons(template, message)
}

fn sent(message: &TemplateMessage, kind: ComponentKind) -> Vec<&Parameter> {
    message
        .components
        .iter()
        .filter(|component| component.kind == kind)
        .flat_map(|component| component.parameters.iter())
        .collect()
}

fn count_mismatch(component: &str, expected: usize, actual: usize) -> Result<(), ParameterMismatch> {
    if expected == actual {
        Ok(())
    } else {
        Err(ParameterMismatch::Count { component: component.to_owned(), expected, actual })
    }
}

fn check_header(template: &TemplateDefinition, message: &TemplateMessage) -> Result<(), ParameterMismatch> {
    let parameters = sent(message, ComponentKind::Header);
    let Some(header) = template.component("HEADER") else {
        return count_mismatch("header", 0, parameters.len());
    };
    let format = header.format.as_deref().unwrap_or("TEXT").to_ascii_uppercase();
    let expected_kind = match format.as_str() {
        "TEXT" => {
            let expected = placeholders(header.text.as_deref().unwrap_or_default()).count();
            return count_mismatch("header", expected, parameters.len());
        }
        "IMAGE" => "image",
        "VIDEO" | "GIF" => "video",
        "DOCUMENT" => "document",
        _ => "location",
    };
    count_mismatch("header", 1, parameters.len())?;
    match parameters.first() {
        Some(parameter) if parameter.kind() != expected_kind => Err(ParameterMismatch::Format {
            component: "header".into(),
            expected: format,
            received: parameter.kind().to_ascii_uppercase(),
        }),
        _ => Ok(()),
    }
}

fn check_body(template: &TemplateDefinition, message: &TemplateMessage) -> Result<(), ParameterMismatch> {
    let parameters = sent(message, ComponentKind::Body);
    let body = template.component("BODY");
    let variables = body.and_then(|body| body.text.as_deref()).map(placeholders).unwrap_or_default();
    let meta_written_code = TemplateCategory::parse(&template.category) == Some(TemplateCategory::Authentication)
        && body.is_some_and(|body| body.text.is_none());
    let expected = if meta_written_code { 1 } else { variables.count() };
    count_mismatch("body", expected, parameters.len())?;
    if template.is_named() {
        for parameter in parameters {
            let name = match parameter {
                Parameter::Text { parameter_name, .. } => parameter_name.as_deref(),
                _ => None,
            };
            if !name.is_some_and(|name| variables.names.iter().any(|known| known == name)) {
                return Err(ParameterMismatch::Format {
                    component: "body".into(),
                    expected: format!("parameter_name one of {}", variables.names.join(", ")),
                    received: name.unwrap_or("no parameter_name").to_owned(),
                });
            }
        }
    }
    Ok(())
}

fn check_buttons(template: &TemplateDefinition, message: &TemplateMessage) -> Result<(), ParameterMismatch> {
    let buttons = template.component("BUTTONS").and_then(|component| component.buttons.as_deref()).unwrap_or_default();
    let sent_buttons: Vec<_> =
        message.components.iter().filter(|component| component.kind == ComponentKind::Button).collect();
    for component in &sent_buttons {
        let index = component.index.as_ref().and_then(|index| index.position());
        if index.is_none_or(|index| index >= buttons.len()) {
            return count_mismatch("button", 0, component.parameters.len().max(1));
        }
    }
    for (index, button) in buttons.iter().enumerate() {
        let kind = button.kind.to_ascii_uppercase();
        let needs_parameter = match kind.as_str() {
            "URL" => button.url.as_deref().is_some_and(|url| placeholders(url).count() > 0),
            "OTP" => true,
            _ => false,
        };
        let given: usize = sent_buttons
            .iter()
            .filter(|component| component.index.as_ref().and_then(|index| index.position()) == Some(index))
            .map(|component| component.parameters.len())
            .sum();
        if needs_parameter {
            count_mismatch("button", 1, given)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn template(value: Value) -> TemplateDefinition {
        serde_json::from_value(value).unwrap()
    }

    fn send(value: Value) -> TemplateMessage {
        serde_json::from_value(value).unwrap()
    }

    fn hello_world() -> TemplateDefinition {
        template(json!({"name": "hello_world", "language": "en_US", "category": "UTILITY", "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
            {"type": "BODY", "text": "Welcome and congratulations!!"}]}))
    }

    fn shipping() -> TemplateDefinition {
        template(json!({"name": "shipping_update", "language": "en_US", "category": "UTILITY", "components": [
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships today."},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://example.com/track/{{1}}"},
                                            {"type": "QUICK_REPLY", "text": "Stop"}]}]}))
    }

    #[test]
    fn a_template_without_variables_takes_no_parameters() {
        let plain = send(json!({"name": "hello_world", "language": {"code": "en_US"}}));
        assert_eq!(check_parameters(&hello_world(), &plain), Ok(()));
    }

    #[test]
    fn a_surplus_body_parameter_is_a_count_mismatch_in_metas_words() {
        let extra = send(json!({"name": "hello_world", "language": {"code": "en_US"},
                                "components": [{"type": "body", "parameters": [{"type": "text", "text": "John"}]}]}));
        let mismatch = check_parameters(&hello_world(), &extra).unwrap_err();
        assert_eq!(
            mismatch.to_string(),
            "body: number of localizable_params (1) does not match the expected number of params (0)"
        );
    }

    #[test]
    fn a_full_send_of_a_media_template_fits() {
        let full = send(json!({"name": "shipping_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Pablo"}, {"type": "text", "text": "A-1"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1"}]},
            {"type": "button", "sub_type": "quick_reply", "index": 1, "parameters": [{"type": "payload", "payload": "STOP"}]}]}));
        assert_eq!(check_parameters(&shipping(), &full), Ok(()));
    }

    #[test]
    fn component_types_match_in_any_letter_case() {
        let upper = send(json!({"name": "shipping_update", "language": {"code": "en_US"}, "components": [
            {"type": "HEADER", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}]},
            {"type": "Body", "parameters": [{"type": "text", "text": "Pablo"}, {"type": "text", "text": "A-1"}]},
            {"type": "BUTTON", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1"}]}]}));
        assert_eq!(check_parameters(&shipping(), &upper), Ok(()));
        assert_eq!(serde_json::to_value(&upper.components[0]).unwrap()["type"], "header");
    }

    #[test]
    fn a_missing_media_header_or_url_parameter_is_a_count_mismatch() {
        let no_header = send(json!({"name": "shipping_update", "language": {"code": "en_US"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Pablo"}, {"type": "text", "text": "A-1"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1"}]}]}));
        assert_eq!(
            check_parameters(&shipping(), &no_header),
            Err(ParameterMismatch::Count { component: "header".into(), expected: 1, actual: 0 })
        );
        let no_url = send(json!({"name": "shipping_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Pablo"}, {"type": "text", "text": "A-1"}]}]}));
        assert_eq!(
            check_parameters(&shipping(), &no_url),
            Err(ParameterMismatch::Count { component: "button".into(), expected: 1, actual: 0 })
        );
    }

    #[test]
    fn a_header_parameter_of_the_wrong_kind_is_a_format_mismatch() {
        let wrong = send(json!({"name": "shipping_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "oops"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Pablo"}, {"type": "text", "text": "A-1"}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1"}]}]}));
        assert!(matches!(check_parameters(&shipping(), &wrong), Err(ParameterMismatch::Format { .. })));
    }

    #[test]
    fn named_parameters_must_name_the_templates_variables() {
        let named = template(json!({"name": "welcome", "language": "en_US", "category": "MARKETING",
            "parameter_format": "NAMED", "components": [{"type": "BODY", "text": "Hi {{first_name}}, welcome."}]}));
        let right = send(json!({"name": "welcome", "language": {"code": "en_US"}, "components": [{"type": "body",
            "parameters": [{"type": "text", "text": "Ana", "parameter_name": "first_name"}]}]}));
        assert_eq!(check_parameters(&named, &right), Ok(()));
        let wrong = send(json!({"name": "welcome", "language": {"code": "en_US"}, "components": [{"type": "body",
            "parameters": [{"type": "text", "text": "Ana", "parameter_name": "name"}]}]}));
        assert!(matches!(check_parameters(&named, &wrong), Err(ParameterMismatch::Format { .. })));
    }

    #[test]
    fn a_parameter_for_a_button_the_template_lacks_is_a_mismatch() {
        let stray = send(json!({"name": "hello_world", "language": {"code": "en_US"}, "components": [
            {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "X"}]}]}));
        assert!(matches!(check_parameters(&hello_world(), &stray), Err(ParameterMismatch::Count { .. })));
    }
}
