//! WhatsApp Flows and Calling, and the sends that need them (or a catalog) set up first.

use reqwest::multipart::Form;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Sandbox, assert_error, oauth};

const FLOW_JSON: &str = r#"{"version": "6.0", "screens": [{"id": "WELCOME", "layout": {"type": "SingleColumnLayout", "children": []}, "terminal": true}]}"#;

async fn create_flow(sandbox: &Sandbox, name: &str) -> String {
    let (status, body) =
        sandbox.post(&format!("/v23.0/{}/flows", sandbox.waba), json!({"name": name, "categories": ["SURVEY"]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

fn flow_message(parameters: Value) -> Value {
    json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "interactive", "interactive": {
        "type": "flow", "body": {"text": "Tell us"},
        "action": {"name": "flow", "parameters": parameters}}})
}

#[tokio::test]
async fn a_flow_goes_from_draft_to_published_to_deprecated() {
    let sandbox = Sandbox::start().await;
    let id = create_flow(&sandbox, "survey").await;
    let (_, flow) = sandbox.get(&format!("/v23.0/{id}")).await;
    assert_eq!((flow["status"].clone(), flow["categories"].clone()), (json!("DRAFT"), json!(["SURVEY"])));
    assert!(flow["preview"]["preview_url"].is_string());
    let no_json = sandbox.post(&format!("/v23.0/{id}/publish"), json!({})).await;
    assert_error(&no_json, oauth(400, 100, "(#100) Invalid parameter"));
    let form = Form::new().text("name", "flow.json").text("asset_type", "FLOW_JSON").part(
        "file",
        reqwest::multipart::Part::text(FLOW_JSON).file_name("flow.json").mime_str("application/json").unwrap(),
    );
    let (status, uploaded) =
        Sandbox::answer(sandbox.request(Method::POST, &format!("/v23.0/{id}/assets")).multipart(form)).await;
    assert_eq!((status, uploaded), (StatusCode::OK, json!({"success": true, "validation_errors": []})));
    assert_eq!(sandbox.get(&format!("/v23.0/{id}/assets")).await.1["data"][0]["asset_type"], "FLOW_JSON");
    assert_eq!(sandbox.get(&format!("/v23.0/{id}?fields=json_version")).await.1, json!({"json_version": "6.0"}));
    assert_eq!(sandbox.post(&format!("/v23.0/{id}/publish"), json!({})).await.0, StatusCode::OK);
    let delete = sandbox.delete(&format!("/v23.0/{id}")).await;
    assert_error(&delete, Expected403::published());
    assert_eq!(sandbox.post(&format!("/v23.0/{id}/deprecate"), json!({})).await.0, StatusCode::OK);
    let (_, listed) = sandbox.get(&format!("/v23.0/{}/flows", sandbox.waba)).await;
    assert_eq!(listed["data"][0]["status"], "DEPRECATED");
}

/// The "wrong status" refusal: Meta's invalid parameter with a subcode.
struct Expected403;
impl Expected403 {
    fn published() -> crate::support::Expected<'static> {
        crate::support::Expected {
            status: 400,
            code: 100,
            subcode: Some(4_016_019),
            kind: "OAuthException",
            message: "(#100) Invalid parameter",
        }
    }
}

#[tokio::test]
async fn a_draft_flow_can_be_deleted_and_bad_categories_are_refused() {
    let sandbox = Sandbox::start().await;
    let id = create_flow(&sandbox, "draft").await;
    assert_eq!(sandbox.delete(&format!("/v23.0/{id}")).await.0, StatusCode::OK);
    let gone = sandbox.get(&format!("/v23.0/{id}")).await;
    assert_eq!(gone.1["error"]["error_subcode"], 33);
    let bad =
        sandbox.post(&format!("/v23.0/{}/flows", sandbox.waba), json!({"name": "x", "categories": ["PARTY"]})).await;
    assert_error(&bad, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn a_flow_message_needs_a_published_flow_or_draft_mode() {
    let sandbox = Sandbox::start().await;
    let unknown =
        sandbox.send(flow_message(json!({"flow_message_version": "3", "flow_id": "1", "flow_cta": "Go"}))).await;
    assert_error(&unknown, oauth(400, 131009, "(#131009) Parameter value is not valid"));
    let id = create_flow(&sandbox, "feedback").await;
    let draft = sandbox.send(flow_message(json!({"flow_message_version": "3", "flow_id": id, "flow_cta": "Go"}))).await;
    assert_error(&draft, oauth(400, 131009, "(#131009) Parameter value is not valid"));
    let draft_mode = sandbox
        .send(flow_message(json!({"flow_message_version": "3", "flow_id": id, "flow_cta": "Go", "mode": "draft"})))
        .await;
    assert_eq!(draft_mode.0, StatusCode::OK, "{}", draft_mode.1);
}

#[tokio::test]
async fn product_messages_need_a_catalog() {
    let sandbox = Sandbox::start().await;
    let product = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "interactive", "interactive": {
        "type": "product", "body": {"text": "Look"}, "action": {"catalog_id": "1", "product_retailer_id": "sku-1"}}});
    assert_error(&sandbox.send(product.clone()).await, oauth(400, 131009, "(#131009) Parameter value is not valid"));
    let commerce = format!("/v23.0/{}/whatsapp_commerce_settings", sandbox.phone);
    assert_eq!(sandbox.post(&commerce, json!({"is_catalog_visible": true})).await.0, StatusCode::OK);
    assert_eq!(sandbox.send(product).await.0, StatusCode::OK);
}

#[tokio::test]
async fn calls_need_calling_enabled_and_answer_a_call_id() {
    let sandbox = Sandbox::start().await;
    let calls = format!("/v23.0/{}/calls", sandbox.phone);
    let connect = json!({"messaging_product": "whatsapp", "to": "1234567890", "action": "connect",
                         "session": {"sdp_type": "offer", "sdp": "v=0"}});
    assert_error(&sandbox.post(&calls, connect.clone()).await, oauth(400, 100, "(#100) Invalid parameter"));
    let permission = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "interactive", "interactive": {
        "type": "call_permission_request", "body": {"text": "May we call?"}, "action": {"name": "call_permission_request"}}});
    assert_error(&sandbox.send(permission.clone()).await, oauth(400, 131009, "(#131009) Parameter value is not valid"));
    let enable = json!({"calling": {"status": "enabled"}});
    assert_eq!(sandbox.post(&format!("/v23.0/{}/settings", sandbox.phone), enable).await.0, StatusCode::OK);
    let (status, body) = sandbox.post(&calls, connect).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let call_id = body["calls"][0]["id"].as_str().unwrap().to_owned();
    assert!(call_id.starts_with("wacid."), "{call_id}");
    let terminate = json!({"messaging_product": "whatsapp", "call_id": call_id, "action": "terminate"});
    assert_eq!(sandbox.post(&calls, terminate).await, (StatusCode::OK, json!({"success": true})));
    assert_eq!(sandbox.send(permission).await.0, StatusCode::OK);
    let (_, permissions) =
        sandbox.get(&format!("/v23.0/{}/call_permissions?user_wa_id=1234567890", sandbox.phone)).await;
    assert_eq!(permissions["permission"]["status"], "denied");
    assert_eq!(permissions["actions"][0]["can_perform_action"], true);
}
