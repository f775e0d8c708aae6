//! Unit tests of the template creation rules.

use serde_json::json;

use super::*;

fn definition(body: Value) -> TemplateDefinition {
    serde_json::from_value(body).expect("a well-typed definition")
}

fn hosted_example() -> TemplateDefinition {
    definition(json!({
        "name": "order_confirmation", "language": "en_US", "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Order confirmed"},
            {"type": "BODY", "text": "Hello {{1}}, your order #{{2}} is confirmed!"},
            {"type": "FOOTER", "text": "Thanks for your purchase"}
        ]
    }))
}

fn with_body(text: &str) -> TemplateDefinition {
    let mut template = hosted_example();
    template.components[1].text = Some(text.into());
    template
}

#[test]
fn the_hosted_products_create_example_is_valid() {
    assert_eq!(hosted_example().validate(), Ok(TemplateCategory::Utility));
}

#[test]
fn names_are_lowercase_letters_digits_and_underscores() {
    for bad in ["Order", "order confirmation", "order-confirmation", ""] {
        let mut template = hosted_example();
        template.name = bad.into();
        let error = template.validate().unwrap_err();
        assert_eq!(error.part, TemplatePart::Name, "{bad}");
    }
    let mut template = hosted_example();
    template.name = "a".repeat(513);
    assert_eq!(template.validate().unwrap_err().error.violation, Violation::TooLong { max: 512, actual: 513 });
}

#[test]
fn the_category_must_be_one_of_three() {
    let mut template = hosted_example();
    template.category = "PROMOTIONS".into();
    let error = template.validate().unwrap_err();
    assert_eq!(error.part, TemplatePart::Category);
    template.category = "marketing".into();
    assert_eq!(template.validate(), Ok(TemplateCategory::Marketing));
}

#[test]
fn the_language_must_be_supported() {
    let mut template = hosted_example();
    template.language = "en-US".into();
    assert_eq!(template.validate().unwrap_err().part, TemplatePart::Language);
}

#[test]
fn exactly_one_body_is_required() {
    let mut template = hosted_example();
    template.components.remove(1);
    let error = template.validate().unwrap_err();
    assert_eq!(error.error.field, "components['BODY']");
    assert_eq!(error.error.violation, Violation::TooFew { min: 1, actual: 0 });
    let mut template = hosted_example();
    template.components.push(template.components[1].clone());
    assert_eq!(template.validate().unwrap_err().error.violation, Violation::TooMany { max: 1, actual: 2 });
}

#[test]
fn body_limits_and_variable_rules_hold() {
    assert_eq!(
        with_body(&"b".repeat(1025)).validate().unwrap_err().error.violation,
        Violation::TooLong { max: 1024, actual: 1025 }
    );
    assert_eq!(with_body("{{1}} is here").validate().unwrap_err().error.violation, Violation::VariableAtEdge);
    assert_eq!(with_body("Here is {{1}}").validate().unwrap_err().error.violation, Violation::VariableAtEdge);
    let error = with_body("Hi {{2}} and {{1}}.").validate().unwrap_err();
    assert!(matches!(error.error.violation, Violation::Malformed { .. }));
    assert_eq!(error.part, TemplatePart::Body);
}

#[test]
fn named_templates_use_lowercase_names() {
    let mut template = with_body("Hi {{first_name}}, welcome.");
    template.parameter_format = Some("NAMED".into());
    assert!(template.validate().is_ok());
    let mut template = with_body("Hi {{1}}, welcome.");
    template.parameter_format = Some("NAMED".into());
    assert_eq!(template.validate().unwrap_err().part, TemplatePart::Body);
}

#[test]
fn header_and_footer_limits_hold() {
    let mut template = hosted_example();
    template.components[0].text = Some("h".repeat(61));
    assert_eq!(template.validate().unwrap_err().part, TemplatePart::Header);
    let mut template = hosted_example();
    template.components[0].text = Some("{{1}} and {{2}}".into());
    assert_eq!(template.validate().unwrap_err().error.violation, Violation::TooMany { max: 1, actual: 2 });
    let mut template = hosted_example();
    template.components[0].format = Some("HOLOGRAM".into());
    assert_eq!(template.validate().unwrap_err().part, TemplatePart::Header);
    let mut template = hosted_example();
    template.components[2].text = Some("f".repeat(61));
    assert_eq!(template.validate().unwrap_err().part, TemplatePart::Footer);
}

fn with_buttons(buttons: Value) -> TemplateDefinition {
    let mut template = hosted_example();
    template.components.push(serde_json::from_value(json!({"type": "BUTTONS", "buttons": buttons})).unwrap());
    template
}

#[test]
fn button_counts_per_kind_are_limited() {
    let quick = |n: usize| (0..n).map(|i| json!({"type": "QUICK_REPLY", "text": format!("Q{i}")})).collect::<Vec<_>>();
    assert!(with_buttons(json!(quick(10))).validate().is_ok());
    assert_eq!(
        with_buttons(json!(quick(11))).validate().unwrap_err().error.violation,
        Violation::TooMany { max: 10, actual: 11 }
    );
    let urls = json!([{"type": "URL", "text": "A", "url": "https://a.example"}, {"type": "URL", "text": "B", "url": "https://b.example"},
                      {"type": "URL", "text": "C", "url": "https://c.example"}]);
    assert_eq!(with_buttons(urls).validate().unwrap_err().error.field, "components[3]['buttons']['URL']");
    let phones = json!([{"type": "PHONE_NUMBER", "text": "A", "phone_number": "+15550100001"},
                        {"type": "PHONE_NUMBER", "text": "B", "phone_number": "+15550100002"}]);
    assert_eq!(with_buttons(phones).validate().unwrap_err().error.violation, Violation::TooMany { max: 1, actual: 2 });
}

#[test]
fn quick_replies_must_be_grouped() {
    let split = json!([{"type": "QUICK_REPLY", "text": "A"}, {"type": "URL", "text": "B", "url": "https://x.example"},
                       {"type": "QUICK_REPLY", "text": "C"}]);
    assert_eq!(with_buttons(split).validate().unwrap_err().part, TemplatePart::Buttons);
}

#[test]
fn button_texts_urls_and_phone_numbers_have_limits() {
    let long_text = json!([{"type": "QUICK_REPLY", "text": "x".repeat(26)}]);
    assert_eq!(
        with_buttons(long_text).validate().unwrap_err().error.violation,
        Violation::TooLong { max: 25, actual: 26 }
    );
    let middle_variable = json!([{"type": "URL", "text": "Track", "url": "https://x.example/{{1}}/track"}]);
    assert_eq!(with_buttons(middle_variable).validate().unwrap_err().error.field, "components[3]['buttons'][0]['url']");
    let end_variable = json!([{"type": "URL", "text": "Track", "url": "https://x.example/{{1}}"}]);
    assert!(with_buttons(end_variable).validate().is_ok());
    let long_phone = json!([{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "1".repeat(21)}]);
    assert_eq!(
        with_buttons(long_phone).validate().unwrap_err().error.field,
        "components[3]['buttons'][0]['phone_number']"
    );
}

#[test]
fn examples_are_required_for_variables_only_by_the_strict_rule() {
    let template = hosted_example();
    let error = check_examples(&template).unwrap_err();
    assert_eq!(error.error.field, "components[1]['example']");
    let mut with_example = template;
    with_example.components[1].example = Some(json!({"body_text": [["Pablo", "860198-230332"]]}));
    assert_eq!(check_examples(&with_example), Ok(()));
}

#[test]
fn authentication_bodies_need_no_text() {
    let template = definition(json!({
        "name": "verify_code", "language": "en_US", "category": "AUTHENTICATION",
        "components": [{"type": "BODY", "add_security_recommendation": true},
                       {"type": "FOOTER", "code_expiration_minutes": 10},
                       {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]}]
    }));
    assert_eq!(template.validate(), Ok(TemplateCategory::Authentication));
}

#[test]
fn statuses_parse_case_insensitively() {
    assert_eq!(TemplateStatus::parse("approved"), Some(TemplateStatus::Approved));
    assert_eq!(TemplateStatus::parse("PENDING_DELETION"), Some(TemplateStatus::PendingDeletion));
    assert_eq!(TemplateStatus::parse("nope"), None);
}
