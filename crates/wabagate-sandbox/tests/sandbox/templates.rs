//! `/{waba_id}/message_templates`: listing with filters and cursor paging, creation and
//! review, deletion.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wabagate_sandbox::SandboxConfig;

use crate::support::{Expected, Sandbox, assert_error, oauth};

fn path(sandbox: &Sandbox) -> String {
    format!("/v23.0/{}/message_templates", sandbox.waba)
}

fn names(body: &Value) -> Vec<String> {
    body["data"].as_array().unwrap().iter().map(|template| template["name"].as_str().unwrap().to_owned()).collect()
}

fn order_confirmation() -> Value {
    json!({"name": "order_confirmation", "language": "en_US", "category": "UTILITY", "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order confirmed"},
        {"type": "BODY", "text": "Hello {{1}}, your order #{{2}} is confirmed!"},
        {"type": "FOOTER", "text": "Thanks for your purchase"}]})
}

fn invalid(subcode: Option<u64>) -> Expected<'static> {
    Expected { status: 400, code: 100, subcode, kind: "OAuthException", message: "Invalid parameter" }
}

#[tokio::test]
async fn the_list_has_the_seeded_templates_with_metas_default_fields() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.get(&path(&sandbox)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names(&body),
        ["hello_world", "shipping_update", "verification_code", "seasonal_promotion", "account_alert"]
    );
    let hello = &body["data"][0];
    let keys: Vec<&str> = hello.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "{hello}");
    assert_eq!(hello["status"], json!("APPROVED"));
    assert_eq!(hello["language"], json!("en_US"));
    assert_eq!(hello["parameter_format"], json!("POSITIONAL"));
    assert_eq!(hello["components"][0], json!({"type": "HEADER", "format": "TEXT", "text": "Hello World"}));
    assert!(body["paging"]["cursors"]["after"].is_string());
    assert!(body["paging"].get("next").is_none(), "a single page has no next");
}

#[tokio::test]
async fn limit_pages_with_cursors_and_next_links() {
    let sandbox = Sandbox::start().await;
    let (_, first) = sandbox.get(&format!("{}?limit=2", path(&sandbox))).await;
    assert_eq!(names(&first), ["hello_world", "shipping_update"]);
    let next = first["paging"]["next"].as_str().unwrap().to_owned();
    assert!(next.starts_with(&format!("{}/v23.0/{}/message_templates?", sandbox.base, sandbox.waba)), "{next}");
    let (_, second) = Sandbox::answer(sandbox.client.get(&next).bearer_auth(&sandbox.token)).await;
    assert_eq!(names(&second), ["verification_code", "seasonal_promotion"]);
    assert!(second["paging"]["previous"].is_string());
    let after = second["paging"]["cursors"]["after"].as_str().unwrap();
    let (_, third) = sandbox.get(&format!("{}?limit=2&after={after}", path(&sandbox))).await;
    assert_eq!(names(&third), ["account_alert"]);
    assert!(third["paging"].get("next").is_none());
    let before = second["paging"]["cursors"]["before"].as_str().unwrap();
    let (_, back) = sandbox.get(&format!("{}?limit=2&before={before}", path(&sandbox))).await;
    assert_eq!(names(&back), ["hello_world", "shipping_update"]);
}

#[tokio::test]
async fn status_and_name_filter_the_list() {
    let sandbox = Sandbox::start().await;
    let (_, rejected) = sandbox.get(&format!("{}?status=rejected", path(&sandbox))).await;
    assert_eq!(names(&rejected), ["account_alert"]);
    let (_, approved) = sandbox.get(&format!("{}?status=APPROVED&limit=100", path(&sandbox))).await;
    assert_eq!(names(&approved).len(), 4);
    let (_, named) = sandbox.get(&format!("{}?name=hello_world", path(&sandbox))).await;
    assert_eq!(names(&named), ["hello_world"]);
    let answer = sandbox.get(&format!("{}?status=SLEEPY", path(&sandbox))).await;
    assert_error(&answer, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn a_new_template_is_pending_then_approved_once_the_clock_passes_the_delay() {
    let sandbox = Sandbox::start().await;
    let (status, created) = sandbox.post(&path(&sandbox), order_confirmation()).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created, json!({"id": id, "status": "PENDING", "category": "UTILITY"}));
    let send = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "template", "template": {
        "name": "order_confirmation", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1"}]}]}});
    assert_eq!(sandbox.send(send.clone()).await.0, StatusCode::NOT_FOUND, "a pending template cannot be sent");
    sandbox.advance(10).await;
    let (_, template) = sandbox.get(&format!("/v23.0/{id}")).await;
    assert_eq!(template["status"], json!("APPROVED"));
    assert_eq!(sandbox.send(send).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_template_matching_the_reject_rule_is_rejected_after_review() {
    let config = SandboxConfig { template_approval_delay: Duration::ZERO, ..Default::default() };
    let sandbox = Sandbox::start_with(config).await;
    let mut definition = order_confirmation();
    definition["name"] = json!("please_reject_me");
    let (_, created) = sandbox.post(&path(&sandbox), definition).await;
    assert_eq!(created["status"], json!("PENDING"));
    let (_, template) =
        sandbox.get(&format!("/v23.0/{}?fields=status,rejected_reason", created["id"].as_str().unwrap())).await;
    assert_eq!(template, json!({"status": "REJECTED", "rejected_reason": "INVALID_FORMAT"}));
}

#[tokio::test]
async fn a_name_taken_in_the_language_is_subcode_2388024() {
    let sandbox = Sandbox::start().await;
    let mut duplicate = order_confirmation();
    duplicate["name"] = json!("hello_world");
    let answer = sandbox.post(&path(&sandbox), duplicate.clone()).await;
    assert_error(&answer, invalid(Some(2388024)));
    assert_eq!(answer.1["error"]["error_user_title"], json!("Content in This Language Already Exists"));
    duplicate["language"] = json!("pt_BR");
    assert_eq!(
        sandbox.post(&path(&sandbox), duplicate).await.0,
        StatusCode::OK,
        "another language is another template"
    );
}

#[tokio::test]
async fn creation_rules_answer_metas_subcodes() {
    let sandbox = Sandbox::start().await;
    let with = |key: &str, value: Value| {
        let mut definition = order_confirmation();
        definition[key] = value;
        definition
    };
    let body_text = |text: &str| {
        let mut definition = order_confirmation();
        definition["components"][1]["text"] = json!(text);
        definition
    };
    let cases = [
        (
            with("name", json!("Order Confirmation")),
            None,
            "Param name must be lowercase letters, digits and underscores only.",
        ),
        (with("category", json!("PROMOTIONS")), None, "Param category has an invalid value 'PROMOTIONS'."),
        (with("language", json!("xx_XX")), None, "Param language has an invalid value 'xx_XX'."),
        (
            body_text(&"b".repeat(1025)),
            Some(2388040),
            "Param components[1]['text'] must be at most 1024 characters long.",
        ),
        (
            body_text("{{1}} is your order"),
            Some(2388299),
            "Param components[1]['text'] must not start or end with a variable.",
        ),
        (
            body_text("Hi {{2}} and {{1}}."),
            Some(2388072),
            "Param components[1]['text'] must be variables numbered {{1}}, {{2}}, … in order.",
        ),
    ];
    for (definition, subcode, details) in cases {
        let answer = sandbox.post(&path(&sandbox), definition).await;
        assert_eq!(assert_error(&answer, invalid(subcode)).as_deref(), Some(details));
    }
    let answer =
        sandbox.post(&path(&sandbox), json!({"language": "en_US", "category": "UTILITY", "components": []})).await;
    assert_eq!(answer.1["error"]["error_data"]["details"], json!("The parameter name is required."));
}

#[tokio::test]
async fn deleting_by_name_removes_every_language_and_hsm_id_only_one() {
    let sandbox = Sandbox::start().await;
    let mut spanish = order_confirmation();
    spanish["language"] = json!("es");
    let (_, english) = sandbox.post(&path(&sandbox), order_confirmation()).await;
    sandbox.post(&path(&sandbox), spanish).await;
    let one = format!("{}?name=order_confirmation&hsm_id={}", path(&sandbox), english["id"].as_str().unwrap());
    assert_eq!(sandbox.delete(&one).await, (StatusCode::OK, json!({"success": true})));
    let (_, left) = sandbox.get(&format!("{}?name=order_confirmation", path(&sandbox))).await;
    assert_eq!(left["data"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox.delete(&format!("{}?name=hello_world", path(&sandbox))).await.0, StatusCode::OK);
    let send = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "template",
                      "template": {"name": "hello_world", "language": {"code": "en_US"}}});
    assert_eq!(sandbox.send(send).await.0, StatusCode::NOT_FOUND);
    assert_error(&sandbox.delete(&format!("{}?name=hello_world", path(&sandbox))).await, invalid(None));
    assert_error(&sandbox.delete(&path(&sandbox)).await, oauth(400, 100, "(#100) The parameter name is required."));
}

#[tokio::test]
async fn a_messaging_only_token_may_list_but_not_create_or_delete_templates() {
    let sandbox = Sandbox::start().await;
    let token = sandbox.token(&["whatsapp_business_messaging"], None, None).await;
    let url = format!("{}{}", sandbox.base, path(&sandbox));
    assert_eq!(sandbox.client.get(&url).bearer_auth(&token).send().await.unwrap().status(), StatusCode::OK);
    let create = sandbox.client.request(Method::POST, &url).bearer_auth(&token).json(&order_confirmation());
    assert_error(&Sandbox::answer(create).await, oauth(403, 200, "(#200) Permissions error"));
    let delete = sandbox.client.delete(format!("{url}?name=hello_world")).bearer_auth(&token);
    assert_error(&Sandbox::answer(delete).await, oauth(403, 200, "(#200) Permissions error"));
}
