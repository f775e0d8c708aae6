//! What client libraries call beyond messages: template upsert and unpause, WABA settings
//! and new numbers, the business's WABA lists, usernames, sign-up links and the settings
//! names of Meta's guides.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Sandbox, assert_error, oauth};

#[tokio::test]
async fn authentication_templates_are_upserted_per_language_and_only_paused_ones_unpause() {
    let sandbox = Sandbox::start().await;
    let upsert = format!("/v23.0/{}/upsert_message_templates", sandbox.waba);
    let otp = json!({"name": "login_code", "languages": ["en_US", "fr"], "category": "AUTHENTICATION",
        "components": [{"type": "BODY", "add_security_recommendation": true},
                       {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy"}]}]});
    let (status, created) = sandbox.post(&upsert, otp.clone()).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let languages: Vec<&str> =
        created["data"].as_array().unwrap().iter().map(|t| t["language"].as_str().unwrap()).collect();
    assert_eq!(languages, ["en_US", "fr"]);
    let (_, again) = sandbox.post(&upsert, otp).await;
    assert_eq!(again["data"][0]["id"], created["data"][0]["id"], "the same name and language is updated, not added");
    let marketing = json!({"name": "promo", "languages": ["en_US"], "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Sale!"}]});
    assert_error(&sandbox.post(&upsert, marketing).await, oauth(400, 100, "Invalid parameter"));

    let id = created["data"][0]["id"].as_str().unwrap();
    let (status, unpaused) = sandbox.post(&format!("/v23.0/{id}/unpause"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unpaused["success"], false, "{unpaused}");
    assert!(unpaused["reason"].as_str().unwrap().contains("not PAUSED"));
}

#[tokio::test]
async fn a_waba_takes_its_settings_and_new_numbers() {
    let sandbox = Sandbox::start().await;
    let waba = format!("/v23.0/{}", sandbox.waba);
    assert_eq!(sandbox.post(&waba, json!({"disable_marketing_messages_on_cloud_api": true})).await.0, StatusCode::OK);
    let (_, fields) = sandbox.get(&format!("{waba}?fields=disable_marketing_messages_on_cloud_api")).await;
    assert_eq!(fields["disable_marketing_messages_on_cloud_api"], true);
    assert_error(&sandbox.post(&waba, json!({"colour": "blue"})).await, oauth(400, 100, "(#100) Invalid parameter"));

    let numbers = format!("{waba}/phone_numbers");
    let new = json!({"phone_number": "5550009999", "verified_name": "New Shop"});
    let (status, created) = sandbox.post(&numbers, new.clone()).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let (_, number) = sandbox
        .get(&format!("/v23.0/{}?fields=display_phone_number,quality_rating", created["id"].as_str().unwrap()))
        .await;
    assert_eq!(number, json!({"display_phone_number": "+1 555-000-9999", "quality_rating": "NA"}));
    let id = created["id"].as_str().unwrap();
    let (_, before) = sandbox.get(&format!("/v23.0/{id}?fields=status,code_verification_status")).await;
    assert_eq!(before, json!({"status": "PENDING", "code_verification_status": "UNVERIFIED"}));
    let register = json!({"messaging_product": "whatsapp", "pin": "123456"});
    assert_eq!(sandbox.post(&format!("/v23.0/{id}/register"), register).await.0, StatusCode::OK);
    let (_, after) = sandbox.get(&format!("/v23.0/{id}?fields=status")).await;
    assert_eq!(after["status"], "CONNECTED");
    assert_error(&sandbox.post(&numbers, new).await, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn the_business_lists_the_wabas_a_token_may_use() {
    let sandbox = Sandbox::start().await;
    let business = wabagate_sandbox::seed::DEMO_BUSINESS_ID;
    let (_, owned) = sandbox.get(&format!("/v23.0/{business}/owned_whatsapp_business_accounts")).await;
    assert_eq!(owned["data"][0]["id"], sandbox.waba.as_str());
    let (_, shared) = sandbox.get(&format!("/v23.0/{business}/client_whatsapp_business_accounts")).await;
    assert_eq!(shared, json!({"data": []}));
    // A token for another WABA sees none of this business's.
    let stranger = sandbox.token(&["business_management"], Some(vec!["1000000000000999"]), None).await;
    let path = format!("{}/v23.0/{business}/owned_whatsapp_business_accounts", sandbox.base);
    let hidden = Sandbox::answer(sandbox.client.get(path).bearer_auth(stranger)).await;
    assert_eq!(hidden, (StatusCode::OK, json!({"data": []})));
}

#[tokio::test]
async fn a_username_follows_whatsapps_rules_and_moves_only_when_forced() {
    let sandbox = Sandbox::start().await;
    let at = |phone: &str| format!("/v23.0/{phone}/username");
    let (_, reserved) = sandbox.get(&at(&sandbox.phone)).await;
    assert_eq!(reserved, json!({"username": "wabagatedemoshop", "status": "reserved"}));
    for bad in ["ab", ".shop", "shop..co", "www.shop", "Shop", "1234"] {
        assert_error(
            &sandbox.post(&at(&sandbox.phone), json!({"username": bad})).await,
            oauth(400, 100, "(#100) Invalid parameter"),
        );
    }
    assert_eq!(
        sandbox.post(&at(&sandbox.phone), json!({"username": "demo_shop"})).await.1,
        json!({"status": "approved"})
    );
    let other = "1000000000001001";
    assert_eq!(sandbox.post(&at(other), json!({"username": "demo_shop"})).await.0, StatusCode::BAD_REQUEST);
    let forced = sandbox.post(&at(other), json!({"username": "demo_shop", "transfer_action": "force_transfer"})).await;
    assert_eq!(forced.0, StatusCode::OK);
    assert_eq!(sandbox.get(&at(&sandbox.phone)).await.1, json!({}));
    let (_, number) = sandbox.get(&format!("/v23.0/{other}?fields=username")).await;
    assert_eq!(number["username"], "demo_shop");
    assert_eq!(sandbox.delete(&at(other)).await.1, json!({"success": true}));
    let (_, suggestions) = sandbox.get(&format!("/v23.0/{}/username_suggestions", sandbox.phone)).await;
    assert_eq!(suggestions["data"][0]["username_suggestions"][0], "wabagatedemoshop");
}

#[tokio::test]
async fn a_signup_link_needs_the_terms_accepted_and_keeps_its_privacy_policy() {
    let sandbox = Sandbox::start().await;
    let signups = format!("/v23.0/{}/signups", sandbox.waba);
    let mut link = json!({"signup_message": "Join us", "confirmation_message": "Code {{promo_code}}",
        "privacy_policy_url": "https://example.com/privacy", "promo_code": "WELCOME10"});
    assert_error(&sandbox.post(&signups, link.clone()).await, oauth(400, 100, "(#100) Invalid parameter"));
    link["policy"] = json!({"tos": "https://example.com/tos", "accepted": true});
    let (status, created) = sandbox.post(&signups, link).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["id"].as_str().unwrap();
    let (_, listed) = sandbox.get(&signups).await;
    assert_eq!(listed["data"][0]["id"], id);
    let one = format!("/v23.0/signups/{id}");
    assert_eq!(sandbox.post(&one, json!({"status": "disabled"})).await.1, json!({"success": true, "id": id}));
    let (_, fields) = sandbox.get(&format!("{one}?fields=status,message,promo_code")).await;
    assert_eq!(fields, json!({"status": "DISABLED", "message": "Join us", "promo_code": "WELCOME10"}));
    let moved = sandbox.post(&one, json!({"privacy_policy_url": "https://example.com/other"})).await;
    assert_error(&moved, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn settings_take_the_names_of_metas_guides_and_json_encoded_arrays() {
    let sandbox = Sandbox::start().await;
    let number = format!("/v23.0/{}", sandbox.phone);
    let (status, _) =
        sandbox.post(&format!("{number}/settings"), json!({"user_identity_change": {"enabled": true}})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, settings) = sandbox.get(&format!("{number}/settings")).await;
    assert_eq!(settings["user_identity_change"], json!({"enable_identity_key_check": true}));
    let commands = r#"[{"command_name": "help", "command_description": "Get help"}]"#;
    let automation = sandbox
        .post(&format!("{number}/conversational_automation"), json!({"commands": commands, "prompts": "[\"Hi\"]"}))
        .await;
    assert_eq!(automation.0, StatusCode::OK, "{}", automation.1);
    let (_, fields) = sandbox.get(&format!("{number}?fields=conversational_automation")).await;
    assert_eq!(fields["conversational_automation"]["id"], sandbox.phone.as_str());
    assert_eq!(fields["conversational_automation"]["commands"][0]["command_name"], "help");
    assert_eq!(fields["conversational_automation"]["prompts"], json!(["Hi"]));
}
