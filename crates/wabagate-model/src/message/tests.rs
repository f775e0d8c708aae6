//! Reading whole `/messages` bodies: every example of the hosted product parses and
//! validates, and envelope problems name the right field.

use serde_json::json;

use super::*;

fn send(body: Value) -> OutgoingMessage {
    match MessageRequest::from_json(body) {
        Ok(MessageRequest::Send(message)) => message,
        other => panic!("expected a send, got {other:?}"),
    }
}

fn parse_error(body: Value) -> ValidationError {
    MessageRequest::from_json(body).expect_err("expected a parse error")
}

#[test]
fn every_example_of_the_hosted_product_parses_and_validates() {
    let examples = [
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "1234567890", "type": "text",
               "text": {"preview_url": true, "body": "Hello! https://example.com"}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "template",
               "template": {"name": "hello_world", "language": {"code": "en_US"},
                            "components": [{"type": "body", "parameters": [{"type": "text", "text": "John"}]}]}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "image",
               "image": {"link": "https://example.com/image.jpg", "caption": "Look"}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "document",
               "document": {"link": "https://example.com/document.pdf", "caption": "Doc", "filename": "report.pdf"}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "video",
               "video": {"link": "https://example.com/video.mp4", "caption": "Watch"}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "audio",
               "audio": {"link": "https://example.com/audio.mp3"}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "location",
               "location": {"latitude": 37.7749, "longitude": -122.4194, "name": "San Francisco", "address": "CA"}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "contacts",
               "contacts": [{"name": {"formatted_name": "John Doe", "first_name": "John", "last_name": "Doe"},
                             "phones": [{"phone": "+1234567890", "type": "MOBILE"}]}]}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "interactive",
               "interactive": {"type": "button", "body": {"text": "Would you like to proceed?"},
                               "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                                                      {"type": "reply", "reply": {"id": "no", "title": "No"}}]}}}),
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "interactive",
               "interactive": {"type": "list", "header": {"type": "text", "text": "Select an option"},
                               "body": {"text": "Choose from the list below"},
                               "action": {"button": "View Options", "sections": [{"title": "Products", "rows": [
                                   {"id": "prod1", "title": "Product 1", "description": "First product"},
                                   {"id": "prod2", "title": "Product 2", "description": "Second product"}]}]}}}),
    ];
    for example in examples {
        let message = send(example.clone());
        assert_eq!(message.validate(), Ok(()), "{example}");
        assert_eq!(message.to, "1234567890");
    }
}

#[test]
fn a_send_serialises_back_to_metas_shape() {
    let body = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text",
                      "context": {"message_id": "wamid.A"}, "text": {"body": "Hi"}});
    assert_eq!(serde_json::to_value(send(body.clone())).unwrap(), body);
}

#[test]
fn a_body_with_status_is_a_read_receipt() {
    let body = json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.xxxxx"});
    assert_eq!(MessageRequest::from_json(body).unwrap(), MessageRequest::MarkRead(MarkRead::new("wamid.xxxxx")));
    let error = parse_error(json!({"messaging_product": "whatsapp", "status": "read"}));
    assert_eq!(error.field, "message_id");
    assert_eq!(error.violation, Violation::Missing);
}

#[test]
fn messaging_product_must_be_whatsapp() {
    let error = parse_error(json!({"to": "1", "text": {"body": "x"}}));
    assert_eq!(error.details(), "The parameter messaging_product is required.");
    let error = parse_error(json!({"messaging_product": "sms", "to": "1", "text": {"body": "x"}}));
    assert_eq!(error.violation, Violation::NotAllowed { value: "sms".into() });
}

#[test]
fn the_type_defaults_to_text_and_unknown_types_are_unsupported() {
    let message = send(json!({"messaging_product": "whatsapp", "to": "1", "text": {"body": "x"}}));
    assert_eq!(message.content.type_name(), "text");
    let error = parse_error(json!({"messaging_product": "whatsapp", "to": "1", "type": "hologram", "hologram": {}}));
    assert_eq!(error.violation, Violation::UnsupportedType { value: "hologram".into() });
}

#[test]
fn a_missing_recipient_or_content_is_named() {
    let error = parse_error(json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}));
    assert_eq!(error.details(), "The parameter to is required.");
    let error = parse_error(json!({"messaging_product": "whatsapp", "to": "1", "type": "image"}));
    assert_eq!(error.details(), "The parameter image is required.");
    let error = parse_error(json!({"messaging_product": "whatsapp", "to": "1", "type": "text", "text": {}}));
    assert_eq!(error.details(), "The parameter text['body'] is required.");
}

#[test]
fn unknown_keys_inside_content_are_rejected() {
    let error = parse_error(json!({"messaging_product": "whatsapp", "to": "1", "type": "text",
                                   "text": {"body": "x", "foo": 1}}));
    assert_eq!(error.details(), "Unexpected key \"foo\" on param \"text\".");
    let error = parse_error(json!({"messaging_product": "whatsapp", "to": "1", "type": "audio",
                                   "audio": {"link": "https://example.com/a.mp3", "caption": "no"}}));
    assert_eq!(error.violation, Violation::UnexpectedKey { key: "caption".into() });
}

#[test]
fn other_interactive_kinds_are_carried_through() {
    let body = json!({"messaging_product": "whatsapp", "to": "1", "type": "interactive",
                      "interactive": {"type": "cta_url", "body": {"text": "Go"},
                                      "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://example.com"}}}});
    let message = send(body);
    assert!(matches!(message.content, MessageContent::Interactive(Interactive::Other(_))));
    assert_eq!(message.validate(), Ok(()));
}

#[test]
fn the_callback_data_is_limited_to_512_characters() {
    let mut message = send(json!({"messaging_product": "whatsapp", "to": "1", "text": {"body": "x"}}));
    message.biz_opaque_callback_data = Some("c".repeat(513));
    assert_eq!(message.validate().unwrap_err().field, "biz_opaque_callback_data");
}

#[test]
fn only_templates_may_be_sent_outside_the_service_window() {
    let text = send(json!({"messaging_product": "whatsapp", "to": "1", "text": {"body": "x"}}));
    assert!(text.content.needs_open_window());
    let template = send(json!({"messaging_product": "whatsapp", "to": "1", "type": "template",
                               "template": {"name": "hello_world", "language": {"code": "en_US"}}}));
    assert!(!template.content.needs_open_window());
}

#[test]
fn media_sent_by_id_exposes_the_id() {
    let message = send(json!({"messaging_product": "whatsapp", "to": "1", "type": "sticker", "sticker": {"id": "42"}}));
    assert_eq!(message.content.media_id(), Some("42"));
}

#[test]
fn a_group_takes_text_media_templates_and_pins_but_no_reactions() {
    let to_group = |body: Value| {
        let mut body = body;
        body["recipient_type"] = json!("group");
        body["to"] = json!("Y2FwaV9ncm91cDoxNTU1MDc4Mzg4MToxMjAzNjMzOTk5");
        send(body)
    };
    let text = to_group(json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi all"}}));
    assert!(text.is_group());
    assert_eq!(text.validate(), Ok(()));
    assert!(!text.needs_open_window(), "a group has no service window");
    let pin = to_group(json!({"messaging_product": "whatsapp", "type": "pin",
                              "pin": {"type": "pin", "message_id": "wamid.X", "expiration_days": 7}}));
    assert_eq!(pin.validate(), Ok(()));
    let reaction = to_group(json!({"messaging_product": "whatsapp", "type": "reaction",
                                   "reaction": {"message_id": "wamid.X", "emoji": "👍"}}));
    let error = reaction.validate().unwrap_err();
    assert_eq!(error.field, "recipient_type");
    assert_eq!(error.to_string(), "Messages of type 'reaction' cannot be sent to recipient_type group.");
}

#[test]
fn a_pin_goes_to_groups_only() {
    let pin = send(json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "pin",
                          "pin": {"type": "unpin", "message_id": "wamid.X"}}));
    let error = pin.validate().unwrap_err();
    assert_eq!(
        error.violation,
        Violation::NotForRecipientType { message_type: "pin".into(), recipient_type: "individual" }
    );
}

#[test]
fn a_content_sent_as_json_text_reads_as_its_json() {
    let contacts = json!([{"name": {"formatted_name": "Sam Sample", "first_name": "Sam"}}]);
    let message = send(json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "contacts",
                              "contacts": contacts.to_string()}));
    assert_eq!(message.validate(), Ok(()));
    assert_eq!(message.content.to_value().unwrap(), contacts);
}
