//! What a number configures: registration codes, two-step PIN, `settings`, conversational
//! automation, blocked users, QR codes, commerce settings and the encryption key.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Sandbox, assert_error, oauth};

#[tokio::test]
async fn request_code_then_verify_code_with_the_sandbox_code() {
    let sandbox = Sandbox::start().await;
    let base = format!("/v23.0/{}", sandbox.phone);
    let missing = sandbox.post(&format!("{base}/request_code"), json!({"language": "en_US"})).await;
    assert_error(&missing, oauth(400, 100, "(#100) The parameter code_method is required."));
    let (status, body) =
        sandbox.post(&format!("{base}/request_code"), json!({"code_method": "SMS", "language": "en_US"})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    let wrong = sandbox.post(&format!("{base}/verify_code"), json!({"code": "123456"})).await;
    assert_error(&wrong, oauth(400, 136025, "(#136025) Verify code error"));
    let (status, _) = sandbox.post(&format!("{base}/verify_code"), json!({"code": "000000"})).await;
    assert_eq!(status, StatusCode::OK);
    let reused = sandbox.post(&format!("{base}/verify_code"), json!({"code": "000000"})).await;
    assert_eq!(reused.0, StatusCode::BAD_REQUEST, "a code verifies once");
}

#[tokio::test]
async fn a_pin_set_on_the_number_must_match_on_register() {
    let sandbox = Sandbox::start().await;
    let base = format!("/v23.0/{}", sandbox.phone);
    assert_error(&sandbox.post(&base, json!({"pin": "12"})).await, oauth(400, 100, "(#100) Invalid parameter"));
    assert_eq!(sandbox.post(&base, json!({"pin": "123456"})).await.0, StatusCode::OK);
    assert_eq!(sandbox.get(&format!("{base}?fields=is_pin_enabled")).await.1, json!({"is_pin_enabled": true}));
    let mismatch =
        sandbox.post(&format!("{base}/register"), json!({"messaging_product": "whatsapp", "pin": "654321"})).await;
    assert_error(&mismatch, oauth(400, 133005, "(#133005) Two step verification PIN Mismatch"));
    let registered =
        sandbox.post(&format!("{base}/register"), json!({"messaging_product": "whatsapp", "pin": "123456"})).await;
    assert_eq!(registered.0, StatusCode::OK);
}

#[tokio::test]
async fn a_webhook_override_shows_in_webhook_configuration() {
    let sandbox = Sandbox::start().await;
    let base = format!("/v23.0/{}", sandbox.phone);
    let set =
        json!({"webhook_configuration": {"override_callback_uri": "https://example.com/hook", "verify_token": "t"}});
    assert_eq!(sandbox.post(&base, set).await.0, StatusCode::OK);
    let (_, body) = sandbox.get(&format!("{base}?fields=webhook_configuration")).await;
    assert_eq!(body["webhook_configuration"]["phone_number"], "https://example.com/hook");
}

#[tokio::test]
async fn settings_start_at_metas_defaults_and_keep_what_is_set() {
    let sandbox = Sandbox::start().await;
    let path = format!("/v23.0/{}/settings", sandbox.phone);
    let (_, before) = sandbox.get(&path).await;
    assert_eq!(before["calling"]["status"], "disabled");
    let bad = sandbox.post(&path, json!({"calling": {"status": "maybe"}})).await;
    assert_error(&bad, oauth(400, 100, "(#100) Invalid parameter"));
    let unknown = sandbox.post(&path, json!({"lights": {"status": "enabled"}})).await;
    assert_error(&unknown, oauth(400, 100, "(#100) Invalid parameter"));
    let (status, _) =
        sandbox.post(&path, json!({"calling": {"status": "enabled", "call_icon_visibility": "hidden"}})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = sandbox.get(&path).await;
    assert_eq!(after["calling"]["status"], "enabled");
    assert_eq!(after["calling"]["call_icon_visibility"], "hidden");
    assert_eq!(after["payload_encryption"]["status"], "disabled");
}

#[tokio::test]
async fn conversational_automation_is_stored_and_read_both_ways() {
    let sandbox = Sandbox::start().await;
    let path = format!("/v23.0/{}/conversational_automation", sandbox.phone);
    let automation = json!({"enable_welcome_message": true, "prompts": ["Book a flight"],
                            "commands": [{"command_name": "tickets", "command_description": "Book tickets"}]});
    assert_eq!(sandbox.post(&path, automation.clone()).await.0, StatusCode::OK);
    let (_, body) = sandbox.get(&path).await;
    let mut node = automation.clone();
    node["id"] = json!(sandbox.phone);
    assert_eq!(body["conversational_automation"], node, "the nested node carries its id");
    let (_, node) = sandbox.get(&format!("/v23.0/{}?fields=conversational_automation{{prompts}}", sandbox.phone)).await;
    assert_eq!(node, json!({"conversational_automation": {"prompts": ["Book a flight"]}}));
    let too_many = sandbox.post(&path, json!({"prompts": ["a", "b", "c", "d", "e"]})).await;
    assert_error(&too_many, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn users_who_wrote_can_be_blocked_listed_and_unblocked() {
    let sandbox = Sandbox::start().await;
    let path = format!("/v23.0/{}/block_users", sandbox.phone);
    let block = json!({"messaging_product": "whatsapp", "block_users": [{"user": "+1 234 567 890"}]});
    let (status, body) = sandbox.post(&path, block.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["block_users"]["added_users"], json!([{"input": "+1 234 567 890", "wa_id": "1234567890"}]));
    let (_, listed) = sandbox.get(&path).await;
    assert_eq!(listed["data"], json!([{"messaging_product": "whatsapp", "wa_id": "1234567890"}]));
    let stranger = json!({"messaging_product": "whatsapp", "block_users": [{"user": "15550009999"}]});
    assert_error(&sandbox.post(&path, stranger).await, oauth(400, 139100, "(#139100) Failed to block/unblock users"));
    let (status, body) = Sandbox::answer(sandbox.request(Method::DELETE, &path).json(&block)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["block_users"]["removed_users"][0]["wa_id"], "1234567890");
    assert_eq!(sandbox.get(&path).await.1["data"], json!([]));
}

#[tokio::test]
async fn qr_codes_are_created_read_edited_and_deleted() {
    let sandbox = Sandbox::start().await;
    let path = format!("/v23.0/{}/message_qrdls", sandbox.phone);
    let (status, created) = sandbox.post(&path, json!({"prefilled_message": "Hi!", "generate_qr_image": "SVG"})).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let code = created["code"].as_str().unwrap().to_owned();
    assert_eq!(created["deep_link_url"], format!("https://wa.me/message/{code}"));
    assert!(created["qr_image_url"].as_str().unwrap().ends_with(".svg"));
    assert_eq!(sandbox.post(&path, json!({"code": code, "prefilled_message": "Hello!"})).await.0, StatusCode::OK);
    let (_, one) = sandbox.get(&format!("{path}/{code}")).await;
    assert_eq!(one["data"][0]["prefilled_message"], "Hello!");
    // Meta's earlier reference edits at the code's own path, with the message in the query.
    let at_its_path = sandbox.request(Method::POST, &format!("{path}/{code}?prefilled_message=Hey"));
    assert_eq!(Sandbox::answer(at_its_path).await.0, StatusCode::OK);
    assert_eq!(sandbox.get(&format!("{path}/{code}")).await.1["data"][0]["prefilled_message"], "Hey");
    assert_eq!(sandbox.get(&path).await.1["data"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox.delete(&format!("{path}/{code}")).await, (StatusCode::OK, json!({"success": true})));
    assert_error(&sandbox.delete(&format!("{path}/{code}")).await, oauth(400, 100, "(#100) Invalid parameter"));
    let missing = sandbox.post(&path, json!({})).await;
    assert_error(&missing, oauth(400, 100, "(#100) The parameter prefilled_message is required."));
}

#[tokio::test]
async fn commerce_settings_and_the_encryption_key_round_trip() {
    let sandbox = Sandbox::start().await;
    let commerce = format!("/v23.0/{}/whatsapp_commerce_settings", sandbox.phone);
    assert_eq!(sandbox.get(&commerce).await.1["data"][0]["is_catalog_visible"], false);
    let (status, _) = Sandbox::answer(
        sandbox.request(Method::POST, &format!("{commerce}?is_cart_enabled=true&is_catalog_visible=true")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = sandbox.get(&commerce).await;
    assert_eq!(
        (body["data"][0]["is_cart_enabled"].clone(), body["data"][0]["is_catalog_visible"].clone()),
        (json!(true), json!(true))
    );
    let encryption = format!("/v23.0/{}/whatsapp_business_encryption", sandbox.phone);
    assert_eq!(sandbox.get(&encryption).await.1, json!({"data": []}));
    let key = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----";
    let form = reqwest::multipart::Form::new().text("business_public_key", key);
    let (status, _) = Sandbox::answer(sandbox.request(Method::POST, &encryption).multipart(form)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = sandbox.get(&encryption).await;
    assert_eq!(body["data"][0], json!({"business_public_key": key, "business_public_key_signature_status": "VALID"}));
    let not_a_key = sandbox.post(&encryption, json!({"business_public_key": "hello"})).await;
    assert_error(&not_a_key, oauth(400, 100, "(#100) Invalid parameter"));
}
