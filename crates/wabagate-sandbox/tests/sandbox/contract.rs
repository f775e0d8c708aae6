//! The contract check: every success response of the sandbox validates against the 200
//! response schema of the same operation in Meta's OpenAPI file
//! (`/work/shared/reference/business-messaging-api_v23.0.yaml`, copied to
//! `tests/sandbox/business-messaging-api_v23.0.yaml`).
//!
//! Where Meta's file contradicts what graph.facebook.com answers, the schema is patched
//! before validation; each patch is listed in [`KNOWN_SPEC_ERRORS`] with its reason, and a
//! test proves the patch is still needed (so it is dropped once Meta fixes the file).

use std::sync::LazyLock;

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::Sandbox;

static SPEC_TEXT: &str = include_str!("business-messaging-api_v23.0.yaml");

/// JSON pointers into the spec, the value put there, and why (whatsapp-cloud-api.md).
const KNOWN_SPEC_ERRORS: &[(&str, &str, &str)] = &[
    (
        "/paths/~1{Version}~1{Media-ID}/get/responses/200/content/application~1json/schema/properties/file_size/type",
        r#"["string", "integer"]"#,
        "§3.3/§11: the file types file_size as a string; captured responses carry a number, which the sandbox sends",
    ),
    (
        "/components/schemas/WhatsAppPhoneNumberStatus/enum",
        r#"["PENDING", "LINKED", "UNLINKED", "DELETED", "MIGRATED", "BANNED", "RESTRICTED", "CONNECTED"]"#,
        "§5.1: graph.facebook.com answers CONNECTED for a number that can send (Meta's own samples), which the \
         file's list enum lacks",
    ),
    (
        "/components/schemas/CallTerminateResponsePayload",
        r#"{"type": "object", "properties": {"success": {"type": "boolean"}}, "required": ["success"]}"#,
        "the file's two answers of POST /calls are a oneOf, but the terminate answer requires nothing, so every \
         connect answer matches both: the terminate answer is only `success`",
    ),
];

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let mut spec: Value = serde_norway::from_str(SPEC_TEXT).expect("Meta's OpenAPI file parses");
    for (pointer, value, _why) in KNOWN_SPEC_ERRORS {
        let target = spec.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} exists in the spec"));
        *target = serde_json::from_str(value).expect("patch values are JSON");
    }
    spec
});

fn response_schema(path: &str, method: &str) -> Value {
    let pointer = format!("/paths/{}/{method}/responses/200", path.replace('/', "~1"));
    let mut response =
        SPEC.pointer(&pointer).unwrap_or_else(|| panic!("the spec has a 200 answer for {method} {path}"));
    // Some answers are shared `components/responses`, referenced from the operation.
    if let Some(reference) = response["$ref"].as_str() {
        response = SPEC.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("{reference} exists"));
    }
    response
        .pointer("/content/application~1json/schema")
        .cloned()
        .unwrap_or_else(|| panic!("the spec has a 200 JSON schema for {method} {path}"))
}

/// Validates `instance` against `schema`, whose `$ref`s point into the spec's
/// `components`. Returns every violation as `path: problem`.
fn validate(spec: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut document = json!({"allOf": [schema]});
    document["components"] = spec["components"].clone();
    let validator = jsonschema::draft202012::new(&document).unwrap_or_else(|error| panic!("a valid schema: {error}"));
    validator.iter_errors(instance).map(|error| format!("{}: {error}", error.instance_path())).collect()
}

/// Asserts a success answer and that its body fits the operation's schema.
fn assert_contract(operation: (&str, &str), answer: &(StatusCode, Value)) {
    let (path, method) = operation;
    assert_eq!(answer.0, StatusCode::OK, "{method} {path}: {}", answer.1);
    let problems = validate(&SPEC, &response_schema(path, method), &answer.1);
    assert!(
        problems.is_empty(),
        "{method} {path} answered {}\nwhich breaks the spec:\n{}",
        answer.1,
        problems.join("\n")
    );
}

const MESSAGES: (&str, &str) = ("/{Version}/{Phone-Number-ID}/messages", "post");
const MEDIA_UPLOAD: (&str, &str) = ("/{Version}/{Phone-Number-ID}/media", "post");
const MEDIA_GET: (&str, &str) = ("/{Version}/{Media-ID}", "get");
const MEDIA_DELETE: (&str, &str) = ("/{Version}/{Media-ID}", "delete");
const PHONE_NUMBER: (&str, &str) = ("/{Version}/{Phone-Number-ID}", "get");
const PHONE_NUMBERS: (&str, &str) = ("/{Version}/{WABA-ID}/phone_numbers", "get");
const PROFILE_GET: (&str, &str) = ("/{Version}/{Phone-Number-ID}/whatsapp_business_profile", "get");
const PROFILE_POST: (&str, &str) = ("/{Version}/{Phone-Number-ID}/whatsapp_business_profile", "post");
const TEMPLATES_GET: (&str, &str) = ("/{Version}/{WABA-ID}/message_templates", "get");
const TEMPLATES_POST: (&str, &str) = ("/{Version}/{WABA-ID}/message_templates", "post");
const TEMPLATES_DELETE: (&str, &str) = ("/{Version}/{WABA-ID}/message_templates", "delete");
const TEMPLATE_GET: (&str, &str) = ("/{Version}/{TEMPLATE_ID}", "get");
const WABA_GET: (&str, &str) = ("/{Version}/{WABA-ID}", "get");

#[tokio::test]
async fn every_message_send_and_the_read_receipt_fit_the_send_message_schema() {
    let sandbox = Sandbox::start().await;
    let to = |kind: &str, content: Value| json!({"messaging_product": "whatsapp", "to": "1234567890", "type": kind, kind: content});
    let bodies = [
        to("text", json!({"body": "Hi", "preview_url": true})),
        to("image", json!({"link": "https://example.com/a.jpg"})),
        to("template", json!({"name": "hello_world", "language": {"code": "en_US"}})),
        to(
            "interactive",
            json!({"type": "button", "body": {"text": "?"}, "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]}}),
        ),
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}),
    ];
    for body in bodies {
        assert_contract(MESSAGES, &sandbox.send(body).await);
    }
}

#[tokio::test]
async fn media_upload_get_and_delete_fit_their_schemas() {
    let sandbox = Sandbox::start().await;
    let part = Part::bytes(vec![1, 2, 3]).file_name("a.jpg").mime_str("image/jpeg").unwrap();
    let form = Form::new().text("messaging_product", "whatsapp").text("type", "image/jpeg").part("file", part);
    let uploaded =
        Sandbox::answer(sandbox.request(Method::POST, &format!("/v23.0/{}/media", sandbox.phone)).multipart(form))
            .await;
    assert_contract(MEDIA_UPLOAD, &uploaded);
    let id = uploaded.1["id"].as_str().unwrap().to_owned();
    assert_contract(MEDIA_GET, &sandbox.get(&format!("/v23.0/{id}")).await);
    assert_contract(MEDIA_DELETE, &sandbox.delete(&format!("/v23.0/{id}")).await);
}

#[tokio::test]
async fn phone_numbers_profiles_and_the_waba_fit_their_schemas() {
    let sandbox = Sandbox::start().await;
    assert_contract(PHONE_NUMBER, &sandbox.get(&format!("/v23.0/{}", sandbox.phone)).await);
    assert_contract(
        PHONE_NUMBER,
        &sandbox.get(&format!("/v23.0/{}?fields=id,name_status,quality_rating", sandbox.phone)).await,
    );
    assert_contract(PHONE_NUMBERS, &sandbox.get(&format!("/v23.0/{}/phone_numbers", sandbox.waba)).await);
    assert_contract(PROFILE_GET, &sandbox.get(&format!("/v23.0/{}/whatsapp_business_profile", sandbox.phone)).await);
    let update = json!({"messaging_product": "whatsapp", "about": "Hi", "websites": ["https://example.com"], "vertical": "RETAIL"});
    assert_contract(
        PROFILE_POST,
        &sandbox.post(&format!("/v23.0/{}/whatsapp_business_profile", sandbox.phone), update).await,
    );
    assert_contract(WABA_GET, &sandbox.get(&format!("/v23.0/{}", sandbox.waba)).await);
}

#[tokio::test]
async fn template_list_create_get_and_delete_fit_their_schemas() {
    let sandbox = Sandbox::start().await;
    let path = format!("/v23.0/{}/message_templates", sandbox.waba);
    assert_contract(TEMPLATES_GET, &sandbox.get(&path).await);
    assert_contract(TEMPLATES_GET, &sandbox.get(&format!("{path}?limit=2&status=APPROVED")).await);
    let created = sandbox
        .post(
            &path,
            json!({"name": "contract_check", "language": "en_US", "category": "UTILITY",
                            "components": [{"type": "BODY", "text": "Order {{1}} is ready."},
                                           {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "OK"}]}]}),
        )
        .await;
    assert_contract(TEMPLATES_POST, &created);
    assert_contract(TEMPLATE_GET, &sandbox.get(&format!("/v23.0/{}", created.1["id"].as_str().unwrap())).await);
    assert_contract(TEMPLATES_DELETE, &sandbox.delete(&format!("{path}?name=contract_check")).await);
}

#[test]
fn each_known_spec_error_is_still_an_error_in_metas_file() {
    let original: Value = serde_norway::from_str(SPEC_TEXT).unwrap();
    let file_size = json!({"file_size": 3});
    let media_schema =
        original.pointer("/paths/~1{Version}~1{Media-ID}/get/responses/200/content/application~1json/schema").unwrap();
    assert!(!validate(&original, media_schema, &file_size).is_empty(), "Meta's file still types file_size as a string");
    let number = json!({"id": "1", "display_phone_number": "+1 555-010-0001", "status": "CONNECTED"});
    let number_schema = original.pointer("/components/schemas/WhatsAppBusinessAccountPhoneNumber").unwrap();
    assert!(!validate(&original, number_schema, &number).is_empty(), "Meta's file still lacks CONNECTED");
    let connected = json!({"messaging_product": "whatsapp", "calls": [{"id": "wacid.A"}]});
    let calls_schema = original
        .pointer("/paths/~1{Version}~1{Phone-Number-ID}~1calls/post/responses/200/content/application~1json/schema")
        .unwrap();
    assert!(!validate(&original, calls_schema, &connected).is_empty(), "Meta's file still matches a connect twice");
    assert_eq!(KNOWN_SPEC_ERRORS.len(), 3);
}

/// `(path, method)` of an operation in Meta's file.
fn operation<'a>(path: &'a str, method: &'a str) -> (&'a str, &'a str) {
    (path, method)
}

#[tokio::test]
async fn the_number_configuration_endpoints_fit_their_schemas() {
    let sandbox = Sandbox::start().await;
    let number = format!("/v23.0/{}", sandbox.phone);
    let at = |edge: &str| format!("/{{Version}}/{{Phone-Number-ID}}/{edge}");
    assert_contract(operation(&at("settings"), "get"), &sandbox.get(&format!("{number}/settings")).await);
    assert_contract(
        operation(&at("settings"), "post"),
        &sandbox.post(&format!("{number}/settings"), json!({"calling": {"status": "enabled"}})).await,
    );
    assert_contract(
        operation(&at("conversational_automation"), "post"),
        &sandbox.post(&format!("{number}/conversational_automation"), json!({"enable_welcome_message": true})).await,
    );
    assert_contract(
        operation(&at("request_code"), "post"),
        &sandbox.post(&format!("{number}/request_code"), json!({"code_method": "SMS", "language": "en_US"})).await,
    );
    assert_contract(
        operation(&at("verify_code"), "post"),
        &sandbox.post(&format!("{number}/verify_code"), json!({"code": "000000"})).await,
    );
    assert_contract(
        operation(&at("register"), "post"),
        &sandbox.post(&format!("{number}/register"), json!({"messaging_product": "whatsapp", "pin": "123456"})).await,
    );
    let users = json!({"messaging_product": "whatsapp", "block_users": [{"user": "1234567890"}]});
    assert_contract(
        operation(&at("block_users"), "post"),
        &sandbox.post(&format!("{number}/block_users"), users.clone()).await,
    );
    assert_contract(operation(&at("block_users"), "get"), &sandbox.get(&format!("{number}/block_users")).await);
    let unblocked =
        Sandbox::answer(sandbox.request(Method::DELETE, &format!("{number}/block_users")).json(&users)).await;
    assert_contract(operation(&at("block_users"), "delete"), &unblocked);
    let created = sandbox.post(&format!("{number}/message_qrdls"), json!({"prefilled_message": "Hi"})).await;
    assert_contract(operation(&at("message_qrdls"), "post"), &created);
    assert_contract(operation(&at("message_qrdls"), "get"), &sandbox.get(&format!("{number}/message_qrdls")).await);
    let code = created.1["code"].as_str().unwrap().to_owned();
    let one = at("message_qrdls/{QR-Code-ID}");
    // The answer is `{"data": [code]}`, as the operation's description and examples have it;
    // its schema names the code itself.
    let (status, body) = sandbox.get(&format!("{number}/message_qrdls/{code}")).await;
    assert_contract(operation(&one, "get"), &(status, body["data"][0].clone()));
    assert_contract(operation(&one, "delete"), &sandbox.delete(&format!("{number}/message_qrdls/{code}")).await);
    let commerce = format!("{number}/whatsapp_commerce_settings");
    assert_contract(
        operation(&at("whatsapp_commerce_settings"), "post"),
        &sandbox.post(&format!("{commerce}?is_cart_enabled=true"), json!({})).await,
    );
    assert_contract(operation(&at("whatsapp_commerce_settings"), "get"), &sandbox.get(&commerce).await);
    let key = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----";
    let form = Form::new().text("business_public_key", key);
    let encryption = format!("{number}/whatsapp_business_encryption");
    let stored = Sandbox::answer(sandbox.request(Method::POST, &encryption).multipart(form)).await;
    assert_contract(operation(&at("whatsapp_business_encryption"), "post"), &stored);
    assert_contract(operation(&at("whatsapp_business_encryption"), "get"), &sandbox.get(&encryption).await);
    let connect = json!({"messaging_product": "whatsapp", "to": "1234567890", "action": "connect", "session": {"sdp_type": "offer", "sdp": "v=0"}});
    assert_contract(operation(&at("calls"), "post"), &sandbox.post(&format!("{number}/calls"), connect).await);
    assert_contract(
        operation(&at("call_permissions"), "get"),
        &sandbox.get(&format!("{number}/call_permissions?user_wa_id=1234567890")).await,
    );
    let paged = sandbox.get(&format!("/v23.0/{}/phone_numbers?limit=1", sandbox.waba)).await;
    assert_contract(PHONE_NUMBERS, &paged);
    assert_contract(
        ("/{Version}/{WABA-ID}/subscribed_apps", "get"),
        &sandbox.get(&format!("/{}/subscribed_apps", sandbox.waba)).await,
    );
}

#[tokio::test]
async fn flows_and_template_edits_fit_their_schemas() {
    let sandbox = Sandbox::start().await;
    let flows = format!("/v23.0/{}/flows", sandbox.waba);
    let created = sandbox.post(&flows, json!({"name": "contract", "categories": ["OTHER"]})).await;
    assert_contract(("/{Version}/{WABA-ID}/flows", "post"), &created);
    assert_contract(("/{Version}/{WABA-ID}/flows", "get"), &sandbox.get(&flows).await);
    let id = created.1["id"].as_str().unwrap().to_owned();
    assert_contract(("/{Version}/{Flow-ID}", "get"), &sandbox.get(&format!("/v23.0/{id}")).await);
    assert_contract(
        ("/{Version}/{Flow-ID}", "post"),
        &sandbox.post(&format!("/v23.0/{id}"), json!({"name": "renamed"})).await,
    );
    let flow_json = r#"{"version": "6.0", "screens": []}"#;
    let form = Form::new()
        .text("name", "flow.json")
        .text("asset_type", "FLOW_JSON")
        .part("file", Part::text(flow_json).file_name("flow.json"));
    let uploaded = Sandbox::answer(sandbox.request(Method::POST, &format!("/v23.0/{id}/assets")).multipart(form)).await;
    assert_contract(("/{Version}/{Flow-ID}/assets", "post"), &uploaded);
    assert_contract(("/{Version}/{Flow-ID}/assets", "get"), &sandbox.get(&format!("/v23.0/{id}/assets")).await);
    assert_contract(
        ("/{Version}/{Flow-ID}/publish", "post"),
        &sandbox.post(&format!("/v23.0/{id}/publish"), json!({})).await,
    );
    assert_contract(
        ("/{Version}/{Flow-ID}/deprecate", "post"),
        &sandbox.post(&format!("/v23.0/{id}/deprecate"), json!({})).await,
    );
    let draft = sandbox.post(&flows, json!({"name": "doomed", "categories": ["OTHER"]})).await;
    let draft_id = draft.1["id"].as_str().unwrap().to_owned();
    assert_contract(("/{Version}/{Flow-ID}", "delete"), &sandbox.delete(&format!("/v23.0/{draft_id}")).await);
    let templates = sandbox.get(&format!("/v23.0/{}/message_templates?name=hello_world&fields=id", sandbox.waba)).await;
    let template = templates.1["data"][0]["id"].as_str().unwrap().to_owned();
    let edit = json!({"components": [{"type": "BODY", "text": "Hello again"}]});
    assert_contract(("/{Version}/{TEMPLATE_ID}", "post"), &sandbox.post(&format!("/v23.0/{template}"), edit).await);
}

#[tokio::test]
async fn business_accounts_numbers_and_template_summaries_fit_their_schemas() {
    let sandbox = Sandbox::start().await;
    let summary = "summary=total_count,message_template_count,message_template_limit,are_translations_complete";
    let templates = sandbox.get(&format!("/v23.0/{}/message_templates?{summary}", sandbox.waba)).await;
    assert_contract(TEMPLATES_GET, &templates);
    assert_eq!(templates.1["summary"]["message_template_limit"], 250);
    let fields = "id,conversational_automation,username,webhook_configuration,health_status";
    assert_contract(PHONE_NUMBER, &sandbox.get(&format!("/v23.0/{}?fields={fields}", sandbox.phone)).await);
    let waba_fields = "id,name,status,country,disable_marketing_messages_on_cloud_api";
    assert_contract(WABA_GET, &sandbox.get(&format!("/v23.0/{}?fields={waba_fields}", sandbox.waba)).await);
    assert_contract(
        ("/{Version}/{WABA-ID}", "post"),
        &sandbox
            .post(&format!("/v23.0/{}", sandbox.waba), json!({"disable_marketing_messages_on_cloud_api": true}))
            .await,
    );
    let number = json!({"cc": "1", "phone_number": "5550009999", "verified_name": "Contract Co"});
    assert_contract(
        ("/{Version}/{WABA-ID}/phone_numbers", "post"),
        &sandbox.post(&format!("/v23.0/{}/phone_numbers", sandbox.waba), number).await,
    );
    assert_contract(PHONE_NUMBERS, &sandbox.get(&format!("/v23.0/{}/phone_numbers", sandbox.waba)).await);
    let business = wabagate_sandbox::seed::DEMO_BUSINESS_ID;
    for edge in ["owned_whatsapp_business_accounts", "client_whatsapp_business_accounts"] {
        let path = format!("/{{Version}}/{{Business-ID}}/{edge}");
        let answer = sandbox.get(&format!("/v23.0/{business}/{edge}?fields=id,name,status,country")).await;
        assert_contract(operation(&path, "get"), &answer);
    }
    let commands = r#"[{"command_name": "help", "command_description": "Get help"}]"#;
    assert_contract(
        operation("/{Version}/{Phone-Number-ID}/conversational_automation", "post"),
        &sandbox
            .post(&format!("/v23.0/{}/conversational_automation", sandbox.phone), json!({"commands": commands}))
            .await,
    );
}

#[tokio::test]
async fn the_groups_api_fits_its_schemas() {
    let sandbox = Sandbox::start().await;
    let groups = format!("/v23.0/{}/groups", sandbox.phone);
    let created = sandbox.post(&groups, json!({"messaging_product": "whatsapp", "subject": "Contract"})).await;
    assert_contract(operation("/{Version}/{Phone-Number-ID}/groups", "post"), &created);
    let listed = sandbox.get(&groups).await;
    assert_contract(operation("/{Version}/{Phone-Number-ID}/groups", "get"), &listed);
    let id = listed.1["data"]["groups"][0]["id"].as_str().unwrap().to_owned();
    assert_contract(operation("/{Version}/{group_id}", "get"), &sandbox.get(&format!("/v23.0/{id}")).await);
    let text = json!({"messaging_product": "whatsapp", "recipient_type": "group", "to": id, "type": "text",
                      "text": {"body": "Hello, group"}});
    let sent = sandbox.send(text).await;
    assert_contract(MESSAGES, &sent);
    let pin = json!({"messaging_product": "whatsapp", "recipient_type": "group", "to": id, "type": "pin",
                     "pin": {"type": "pin", "message_id": sent.1["messages"][0]["id"], "expiration_days": 7}});
    assert_contract(MESSAGES, &sandbox.send(pin).await);
    let reset = sandbox.post(&format!("/v23.0/{id}/invite_link"), json!({"messaging_product": "whatsapp"})).await;
    assert_contract(operation("/{Version}/{group_id}/invite_link", "post"), &reset);
    assert_contract(
        operation("/{Version}/{group_id}/join_requests", "get"),
        &sandbox.get(&format!("/v23.0/{id}/join_requests")).await,
    );
    assert_contract(operation("/{Version}/{group_id}", "delete"), &sandbox.delete(&format!("/v23.0/{id}")).await);
}
