//! Template edit, bulk delete, archive, compare, the library, and component types in any
//! letter case on sends.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Sandbox, assert_error, oauth};

async fn template_id(sandbox: &Sandbox, name: &str) -> String {
    let (_, body) = sandbox.get(&format!("/v23.0/{}/message_templates?name={name}&fields=id", sandbox.waba)).await;
    body["data"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_approved_template_is_edited_once_a_day_and_goes_back_to_review() {
    let sandbox = Sandbox::start().await;
    let id = template_id(&sandbox, "hello_world").await;
    let edit = json!({"components": [{"type": "BODY", "text": "Welcome back!"}]});
    let edited = json!({"success": true, "id": id, "name": "hello_world", "category": "UTILITY"});
    assert_eq!(sandbox.post(&format!("/v23.0/{id}"), edit.clone()).await, (StatusCode::OK, edited));
    let (_, template) = sandbox.get(&format!("/v23.0/{id}?fields=status,components")).await;
    assert_eq!(template["status"], "PENDING");
    assert_eq!(template["components"][0]["text"], "Welcome back!");
    sandbox.advance(60).await;
    let again = sandbox.post(&format!("/v23.0/{id}"), edit).await;
    assert_error(&again, oauth(400, 100, "Invalid parameter"));
    assert_eq!(again.1["error"]["error_user_title"], "Edit limit reached");
    let category = sandbox.post(&format!("/v23.0/{id}"), json!({"category": "MARKETING"})).await;
    assert_eq!(category.1["error"]["error_user_title"], "Category can't be changed");
}

#[tokio::test]
async fn a_rejected_or_pending_template_follows_metas_edit_rules() {
    let sandbox = Sandbox::start().await;
    let rejected = template_id(&sandbox, "account_alert").await;
    let edit = json!({"components": [{"type": "BODY", "text": "Your account changed."}]});
    assert_eq!(sandbox.post(&format!("/v23.0/{rejected}"), edit.clone()).await.0, StatusCode::OK);
    let pending = sandbox.post(&format!("/v23.0/{rejected}"), edit).await;
    assert_eq!(pending.1["error"]["error_user_title"], "Template can't be edited");
}

#[tokio::test]
async fn templates_are_deleted_in_bulk_by_hsm_ids_all_or_none() {
    let sandbox = Sandbox::start().await;
    let hello = template_id(&sandbox, "hello_world").await;
    let promo = template_id(&sandbox, "seasonal_promotion").await;
    let path = format!("/v23.0/{}/message_templates", sandbox.waba);
    let with_unknown = sandbox.delete(&format!("{path}?hsm_ids=[\"{hello}\",\"42\"]")).await;
    assert_error(&with_unknown, oauth(400, 100, "Invalid parameter"));
    assert_eq!(sandbox.get(&format!("/v23.0/{hello}")).await.0, StatusCode::OK, "nothing was deleted");
    let combined = sandbox.delete(&format!("{path}?hsm_ids=[\"{hello}\"]&name=hello_world")).await;
    assert_error(&combined, oauth(400, 100, "(#100) Invalid parameter"));
    let deleted = sandbox.delete(&format!("{path}?hsm_ids=[\"{hello}\",\"{promo}\"]")).await;
    assert_eq!(deleted, (StatusCode::OK, json!({"success": true})));
    assert_eq!(sandbox.get(&format!("/v23.0/{promo}")).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn templates_are_archived_and_unarchived_with_failures_listed() {
    let sandbox = Sandbox::start().await;
    let hello = template_id(&sandbox, "hello_world").await;
    let archive = format!("/{}/message_templates/archive", sandbox.waba);
    let (status, body) = sandbox.post(&archive, json!({"hsm_ids": format!("{hello},42")})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"archived_templates": [hello], "failed_templates": {"42": "Template does not exist"}}));
    assert_eq!(sandbox.get(&format!("/v23.0/{hello}?fields=status")).await.1["status"], "ARCHIVED");
    let (_, body) =
        sandbox.post(&format!("/{}/message_templates/unarchive", sandbox.waba), json!({"hsm_ids": [hello]})).await;
    assert_eq!(body["unarchived_templates"], json!([hello]));
    assert_eq!(sandbox.get(&format!("/v23.0/{hello}?fields=status")).await.1["status"], "APPROVED");
}

#[tokio::test]
async fn templates_compare_and_the_library_filters() {
    let sandbox = Sandbox::start().await;
    let hello = template_id(&sandbox, "hello_world").await;
    let promo = template_id(&sandbox, "seasonal_promotion").await;
    let (status, body) =
        sandbox.get(&format!("/v23.0/{hello}/compare?template_ids={promo}&start=1700000000&end=1700086400")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"][0]["order_by_relative_metric"], json!([hello, promo]));
    let missing = sandbox.get(&format!("/v23.0/{hello}/compare?template_ids={promo}")).await;
    assert_error(&missing, oauth(400, 100, "(#100) The parameter start is required."));
    let (_, library) = sandbox.get("/v23.0/message_template_library?topic=ORDER_MANAGEMENT").await;
    assert_eq!(library["data"].as_array().unwrap().len(), 2);
    let (_, search) = sandbox.get("/v23.0/message_template_library?search=verification").await;
    assert_eq!(search["data"][0]["category"], "AUTHENTICATION");
}

#[tokio::test]
async fn template_sends_take_component_types_in_any_letter_case() {
    let sandbox = Sandbox::start().await;
    let send = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "template", "template": {
        "name": "shipping_update", "language": {"code": "en_US"}, "components": [
            {"type": "HEADER", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}]},
            {"type": "BODY", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "A-1"}]},
            {"type": "BUTTON", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A-1"}]}]}});
    let (status, body) = sandbox.send(send).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
