//! `POST /{phone_number_id}/messages`: every message type, each validation rule and the
//! errors Meta answers synchronously or reports later.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Expected, Sandbox, assert_error, oauth};

fn text_to(to: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Hello"}})
}

fn with(kind: &str, content: Value) -> Value {
    json!({"messaging_product": "whatsapp", "to": "1234567890", "type": kind, kind: content})
}

#[tokio::test]
async fn a_text_to_the_hosted_products_example_number_gets_metas_exact_success_body() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox
        .send(
            json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "1234567890", "type": "text",
                     "text": {"preview_url": true, "body": "Hello! https://example.com"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let wamid = body["messages"][0]["id"].as_str().expect("a wamid").to_owned();
    assert!(wamid.starts_with("wamid."), "{wamid}");
    assert_eq!(
        body,
        json!({"messaging_product": "whatsapp", "contacts": [{"input": "1234567890", "wa_id": "1234567890"}],
               "messages": [{"id": wamid}]})
    );
    let accepted = sandbox.accepted().await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["wamid"], json!(wamid));
    assert_eq!(accepted[0]["failure"], Value::Null);
    assert_eq!(accepted[0]["message"]["text"]["preview_url"], json!(true));
}

#[tokio::test]
async fn every_media_type_is_accepted_by_link() {
    let sandbox = Sandbox::start().await;
    let bodies = [
        with("image", json!({"link": "https://example.com/image.jpg", "caption": "Look"})),
        with(
            "document",
            json!({"link": "https://example.com/document.pdf", "caption": "Doc", "filename": "report.pdf"}),
        ),
        with("video", json!({"link": "https://example.com/video.mp4", "caption": "Watch"})),
        with("audio", json!({"link": "https://example.com/audio.mp3"})),
        with("sticker", json!({"link": "https://example.com/sticker.webp"})),
    ];
    for body in bodies {
        let (status, answer) = sandbox.send(body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body} → {answer}");
    }
    assert_eq!(sandbox.accepted().await.len(), 5);
}

#[tokio::test]
async fn location_contacts_interactive_reaction_and_replies_are_accepted() {
    let sandbox = Sandbox::start().await;
    let mut reply = with("text", json!({"body": "Replying"}));
    reply["context"] = json!({"message_id": "wamid.HBgLMTIzNDU2Nzg5MBUCABIYFjNFQjA="});
    let bodies = [
        with(
            "location",
            json!({"latitude": 37.7749, "longitude": -122.4194, "name": "San Francisco", "address": "CA"}),
        ),
        with(
            "contacts",
            json!([{"name": {"formatted_name": "John Doe", "first_name": "John"},
                                 "phones": [{"phone": "+1234567890", "type": "MOBILE"}]}]),
        ),
        with(
            "interactive",
            json!({"type": "button", "body": {"text": "Proceed?"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "yes", "title": "Yes"}}, {"type": "reply", "reply": {"id": "no", "title": "No"}}]}}),
        ),
        with(
            "interactive",
            json!({"type": "list", "header": {"type": "text", "text": "Select an option"},
            "body": {"text": "Choose"}, "action": {"button": "View Options", "sections": [{"title": "Products", "rows": [
                {"id": "prod1", "title": "Product 1", "description": "First product"}]}]}}),
        ),
        with("reaction", json!({"message_id": "wamid.HBgLMTIzNDU2Nzg5MBUCABIYFjNFQjA=", "emoji": "👍"})),
        reply,
    ];
    for body in bodies {
        let (status, answer) = sandbox.send(body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body} → {answer}");
    }
}

#[tokio::test]
async fn mark_as_read_answers_success_true() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox
        .send(json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.xxxxx",
                     "typing_indicator": {"type": "text"}}))
        .await;
    assert_eq!(answer, (StatusCode::OK, json!({"success": true})));
    assert!(sandbox.accepted().await.is_empty(), "a read receipt is not a send");
}

#[tokio::test]
async fn a_form_encoded_send_is_read_like_json() {
    let sandbox = Sandbox::start().await;
    let request = sandbox.request(reqwest::Method::POST, &format!("/v23.0/{}/messages", sandbox.phone)).form(&[
        ("messaging_product", "whatsapp"),
        ("to", "1234567890"),
        ("type", "text"),
        ("text", r#"{"body":"Hi"}"#),
    ]);
    let (status, body) = Sandbox::answer(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_missing_messaging_product_is_metas_error_100() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.send(json!({"to": "1234567890", "type": "text", "text": {"body": "Hi"}})).await;
    let details = assert_error(&answer, oauth(400, 100, "(#100) The parameter messaging_product is required."));
    assert_eq!(details.as_deref(), Some("The parameter messaging_product is required."));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_parameter() {
    let sandbox = Sandbox::start().await;
    let request = sandbox
        .request(reqwest::Method::POST, &format!("/v23.0/{}/messages", sandbox.phone))
        .header("content-type", "application/json")
        .body("{not json");
    assert_error(&Sandbox::answer(request).await, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn recipients_are_normalised_as_meta_does_and_the_input_is_echoed() {
    let sandbox = Sandbox::start().await;
    for (input, wa_id) in
        [("+1 (555) 123-4567", "15551234567"), ("0044 7700 900123", "447700900123"), ("0555 123 4567", "15551234567")]
    {
        let (status, body) = sandbox.send(text_to(input)).await;
        assert_eq!(status, StatusCode::OK, "{input}: {body}");
        assert_eq!(body["contacts"], json!([{"input": input, "wa_id": wa_id}]));
    }
}

#[tokio::test]
async fn a_recipient_that_is_not_a_phone_number_is_131009() {
    let sandbox = Sandbox::start().await;
    let details = assert_error(
        &sandbox.send(text_to("call-me-maybe")).await,
        oauth(400, 131009, "(#131009) Parameter value is not valid"),
    );
    assert_eq!(details.as_deref(), Some("Param to must be a valid WhatsApp phone number."));
    let answer = sandbox.send(json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "Hi"}})).await;
    assert_error(&answer, oauth(400, 100, "(#100) The parameter to is required."));
}

#[tokio::test]
async fn a_send_to_the_senders_own_number_is_131021() {
    let sandbox = Sandbox::start().await;
    assert_error(
        &sandbox.send(text_to("+1 555-010-0001")).await,
        oauth(400, 131021, "(#131021) Recipient cannot be sender"),
    );
}

#[tokio::test]
async fn an_unknown_type_is_131051() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.send(with("hologram", json!({"id": "1"}))).await;
    let details = assert_error(&answer, oauth(400, 131051, "(#131051) Unsupported message type"));
    assert_eq!(details.as_deref(), Some("Unsupported message type 'hologram'."));
}

#[tokio::test]
async fn four_reply_buttons_are_131009_naming_the_limit() {
    let sandbox = Sandbox::start().await;
    let buttons: Vec<Value> =
        (0..4).map(|i| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": format!("B{i}")}})).collect();
    let answer = sandbox
        .send(with("interactive", json!({"type": "button", "body": {"text": "Pick"}, "action": {"buttons": buttons}})))
        .await;
    let details = assert_error(&answer, oauth(400, 131009, "(#131009) Parameter value is not valid"));
    assert_eq!(
        details.as_deref(),
        Some("Param interactive['action']['buttons'] must have at most 3 items, but has 4.")
    );
}

#[tokio::test]
async fn duplicate_button_ids_are_131009_and_long_titles_are_100() {
    let sandbox = Sandbox::start().await;
    let duplicate = json!({"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "same", "title": "A"}}, {"type": "reply", "reply": {"id": "same", "title": "B"}}]}});
    assert_error(
        &sandbox.send(with("interactive", duplicate)).await,
        oauth(400, 131009, "(#131009) Parameter value is not valid"),
    );
    let long = json!({"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "a", "title": "This title is too long"}}]}});
    let details =
        assert_error(&sandbox.send(with("interactive", long)).await, oauth(400, 100, "(#100) Invalid parameter"));
    assert_eq!(
        details.as_deref(),
        Some("Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long.")
    );
}

#[tokio::test]
async fn eleven_list_rows_over_all_sections_are_131009() {
    let sandbox = Sandbox::start().await;
    let rows = |prefix: &str, n: usize| {
        (0..n).map(|i| json!({"id": format!("{prefix}{i}"), "title": "Row"})).collect::<Vec<_>>()
    };
    let list = json!({"type": "list", "body": {"text": "Choose"}, "action": {"button": "Open", "sections": [
        {"title": "A", "rows": rows("a", 6)}, {"title": "B", "rows": rows("b", 5)}]}});
    let details = assert_error(
        &sandbox.send(with("interactive", list)).await,
        oauth(400, 131009, "(#131009) Parameter value is not valid"),
    );
    assert_eq!(
        details.as_deref(),
        Some("Param interactive['action']['sections']['rows'] must have at most 10 items, but has 11.")
    );
    let long_row = json!({"type": "list", "body": {"text": "Choose"}, "action": {"button": "Open", "sections": [
        {"rows": [{"id": "r", "title": "A row title over 24 chars"}]}]}});
    assert_error(&sandbox.send(with("interactive", long_row)).await, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn unknown_keys_and_wrong_types_are_invalid_parameter() {
    let sandbox = Sandbox::start().await;
    let details = assert_error(
        &sandbox.send(with("text", json!({"body": "x", "foo": 1}))).await,
        oauth(400, 100, "(#100) Invalid parameter"),
    );
    assert_eq!(details.as_deref(), Some("Unexpected key \"foo\" on param \"text\"."));
    let details = assert_error(
        &sandbox.send(with("text", json!({"body": 5}))).await,
        oauth(400, 100, "(#100) Invalid parameter"),
    );
    assert_eq!(details.as_deref(), Some("Param text['body'] is invalid: invalid type: integer `5`, expected a string"));
    let both = with("image", json!({"id": "1", "link": "https://example.com/a.jpg"}));
    assert_error(&sandbox.send(both).await, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn an_unknown_media_id_is_131053() {
    let sandbox = Sandbox::start().await;
    let details = assert_error(
        &sandbox.send(with("image", json!({"id": "999999"}))).await,
        oauth(400, 131053, "(#131053) Media upload error"),
    );
    assert_eq!(details.as_deref(), Some("Media id 999999 does not exist or has been deleted."));
}

fn template(name: &str, language: &str, components: Value) -> Value {
    with("template", json!({"name": name, "language": {"code": language}, "components": components}))
}

#[tokio::test]
async fn hello_world_in_en_us_is_sent_as_in_the_hosted_examples() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.send(with("template", json!({"name": "hello_world", "language": {"code": "en_US"}}))).await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
}

#[tokio::test]
async fn an_unknown_template_or_language_is_132001() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.send(template("no_such_template", "en_US", json!([]))).await;
    let details =
        assert_error(&answer, oauth(404, 132001, "(#132001) Template name does not exist in the translation"));
    assert_eq!(details.as_deref(), Some("template name (no_such_template) does not exist in en_US"));
    let answer = sandbox.send(template("hello_world", "pt_BR", json!([]))).await;
    assert_error(&answer, oauth(404, 132001, "(#132001) Template name does not exist in the translation"));
    let rejected = sandbox
        .send(template(
            "account_alert",
            "en_US",
            json!([{"type": "body", "parameters": [{"type": "text", "text": "1"}]}]),
        ))
        .await;
    assert_error(&rejected, oauth(404, 132001, "(#132001) Template name does not exist in the translation"));
}

#[tokio::test]
async fn a_parameter_count_mismatch_is_132000_in_metas_words() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox
        .send(template(
            "hello_world",
            "en_US",
            json!([{"type": "body", "parameters": [{"type": "text", "text": "John"}]}]),
        ))
        .await;
    let details = assert_error(
        &answer,
        oauth(400, 132000, "(#132000) Number of parameters does not match the expected number of params"),
    );
    assert_eq!(
        details.as_deref(),
        Some("body: number of localizable_params (1) does not match the expected number of params (0)")
    );
}

#[tokio::test]
async fn a_complete_media_template_send_is_accepted_and_a_wrong_header_is_132012() {
    let sandbox = Sandbox::start().await;
    let body =
        json!({"type": "body", "parameters": [{"type": "text", "text": "Pablo"}, {"type": "text", "text": "A-1"}]});
    let url =
        json!({"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1"}]});
    let image =
        json!({"type": "header", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}]});
    let answer = sandbox.send(template("shipping_update", "en_US", json!([image, body, url]))).await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    let text_header = json!({"type": "header", "parameters": [{"type": "text", "text": "oops"}]});
    let answer = sandbox.send(template("shipping_update", "en_US", json!([text_header, body, url]))).await;
    assert_error(
        &answer,
        oauth(400, 132012, "(#132012) Parameter format does not match format in the created template"),
    );
}

#[tokio::test]
async fn a_free_form_message_outside_the_window_is_accepted_then_fails_with_131047() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.send(text_to("15557654321")).await;
    assert_eq!(status, StatusCode::OK, "Meta accepts first: {body}");
    let accepted = sandbox.accepted().await;
    assert_eq!(
        accepted[0]["failure"],
        json!({"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
               "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."})
    );
    let template = with("template", json!({"name": "hello_world", "language": {"code": "en_US"}}));
    let mut to_stranger = template.clone();
    to_stranger["to"] = json!("15557654321");
    assert_eq!(sandbox.send(to_stranger).await.0, StatusCode::OK);
    assert_eq!(sandbox.accepted().await[1]["failure"], Value::Null, "templates open conversations at any time");
}

#[tokio::test]
async fn a_demo_customers_window_closes_after_24_hours() {
    let sandbox = Sandbox::start().await;
    sandbox.send(text_to("1234567890")).await;
    sandbox.advance(24 * 60 * 60 + 1).await;
    sandbox.send(text_to("1234567890")).await;
    let accepted = sandbox.accepted().await;
    assert_eq!(accepted[0]["failure"], Value::Null);
    assert_eq!(accepted[1]["failure"]["code"], json!(131047));
}

#[tokio::test]
async fn the_window_error_can_be_configured_to_be_synchronous() {
    let config = wabagate_sandbox::SandboxConfig { window_errors_sync: true, ..Default::default() };
    let sandbox = Sandbox::start_with(config).await;
    let answer = sandbox.send(text_to("15557654321")).await;
    let details = assert_error(
        &answer,
        Expected {
            status: 400,
            code: 131047,
            subcode: None,
            kind: "OAuthException",
            message: "(#131047) Re-engagement message",
        },
    );
    assert!(details.is_some_and(|details| details.contains("24 hours")));
}

#[tokio::test]
async fn a_recipient_not_on_whatsapp_is_accepted_then_fails_with_131026() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox
        .send(
            with("template", json!({"name": "hello_world", "language": {"code": "en_US"}}))
                .as_object()
                .map(|body| {
                    let mut body = body.clone();
                    body.insert("to".into(), json!("9990001112"));
                    Value::Object(body)
                })
                .unwrap_or_default(),
        )
        .await;
    assert_eq!(answer.0, StatusCode::OK);
    assert_eq!(sandbox.accepted().await[0]["failure"]["code"], json!(131026));
}
