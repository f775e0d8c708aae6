//! Tokens, versions and object resolution: what Graph checks before any operation.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Expected, Sandbox, assert_error, oauth};

const UNSUPPORTED_GET: &str = "Unsupported get request. Object with ID '{}' does not exist, cannot be loaded due to missing \
                               permissions, or does not support this operation. Please read the Graph API documentation at \
                               https://developers.facebook.com/docs/graph-api";

fn unknown_object(method: &str, id: &str) -> String {
    UNSUPPORTED_GET.replace("get", method).replace("{}", id)
}

#[tokio::test]
async fn a_call_without_a_token_is_error_104() {
    let sandbox = Sandbox::start().await;
    let request = sandbox.client.get(format!("{}/v23.0/{}", sandbox.base, sandbox.phone));
    let answer = Sandbox::answer(request).await;
    assert_error(&answer, oauth(400, 104, "An access token is required to request this resource."));
}

#[tokio::test]
async fn an_unknown_token_is_190_with_www_authenticate() {
    let sandbox = Sandbox::start().await;
    let response = sandbox
        .client
        .get(format!("{}/v23.0/{}", sandbox.base, sandbox.phone))
        .bearer_auth("EAAGnotatoken")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"],
        "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token - Cannot parse access token\""
    );
    let answer = (response.status(), response.json().await.unwrap());
    assert_error(&answer, oauth(401, 190, "Invalid OAuth access token - Cannot parse access token"));
}

#[tokio::test]
async fn an_expired_token_is_190_with_subcode_463_once_the_clock_moves() {
    let sandbox = Sandbox::start().await;
    let token = sandbox.token(&["whatsapp_business_messaging"], None, Some(3600)).await;
    let path = format!("{}/v23.0/{}/messages", sandbox.base, sandbox.phone);
    let body = json!({"messaging_product": "whatsapp", "to": "1234567890", "text": {"body": "Hi"}});
    let answer = Sandbox::answer(sandbox.client.post(&path).bearer_auth(&token).json(&body)).await;
    assert_eq!(answer.0, StatusCode::OK, "valid before expiry: {}", answer.1);
    sandbox.advance(3600).await;
    let answer = Sandbox::answer(sandbox.client.post(&path).bearer_auth(&token).json(&body)).await;
    let message = answer.1["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("Error validating access token: Session has expired on "), "{message}");
    // Pacific time, daylight or standard as the date has it (both times share the zone here).
    let worded_in = |zone: &str| {
        message.contains(&format!(" {zone}. The current time is ")) && message.ends_with(&format!(" {zone}."))
    };
    assert!(worded_in("PDT") || worded_in("PST"), "{message}");
    assert_error(
        &answer,
        Expected { status: 401, code: 190, subcode: Some(463), kind: "OAuthException", message: &message },
    );
}

#[tokio::test]
async fn the_token_may_come_in_the_access_token_query_parameter() {
    let sandbox = Sandbox::start().await;
    let url = format!("{}/v23.0/{}?access_token={}", sandbox.base, sandbox.phone, sandbox.token);
    let (status, body) = Sandbox::answer(sandbox.client.get(url)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], json!(sandbox.phone));
}

#[tokio::test]
async fn an_unknown_phone_number_id_is_100_with_subcode_33() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.post("/v23.0/123456789012345/messages", json!({"messaging_product": "whatsapp"})).await;
    let message = unknown_object("post", "123456789012345");
    assert_error(
        &answer,
        Expected { status: 400, code: 100, subcode: Some(33), kind: "GraphMethodException", message: &message },
    );
}

#[tokio::test]
async fn a_number_of_a_waba_the_token_was_not_granted_looks_unknown() {
    let sandbox = Sandbox::start().await;
    let token = sandbox.token(&["whatsapp_business_messaging"], Some(vec!["1000000000009999"]), None).await;
    let request = sandbox.client.get(format!("{}/v23.0/{}", sandbox.base, sandbox.phone)).bearer_auth(token);
    let message = unknown_object("get", &sandbox.phone);
    assert_error(
        &Sandbox::answer(request).await,
        Expected { status: 400, code: 100, subcode: Some(33), kind: "GraphMethodException", message: &message },
    );
}

#[tokio::test]
async fn a_token_without_the_messaging_permission_cannot_send_and_gets_200() {
    let sandbox = Sandbox::start().await;
    let token = sandbox.token(&["whatsapp_business_management"], None, None).await;
    let request = sandbox
        .client
        .post(format!("{}/v23.0/{}/messages", sandbox.base, sandbox.phone))
        .bearer_auth(token)
        .json(&json!({"messaging_product": "whatsapp", "to": "1234567890", "text": {"body": "Hi"}}));
    let details = assert_error(&Sandbox::answer(request).await, oauth(403, 200, "(#200) Permissions error"));
    assert_eq!(details.as_deref(), Some("The access token lacks the whatsapp_business_messaging permission."));
}

#[tokio::test]
async fn live_versions_and_unversioned_paths_are_served() {
    let sandbox = Sandbox::start().await;
    for version in ["/v21.0", "/v23.0", "/v25.0", ""] {
        let response = sandbox.request(Method::GET, &format!("{version}/{}", sandbox.phone)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{version}");
        let expected = if version.is_empty() { "v23.0" } else { &version[1..] };
        assert_eq!(response.headers()["facebook-api-version"], expected);
        assert_eq!(response.headers()["content-type"], "application/json; charset=UTF-8");
        assert!(response.headers().contains_key("x-fb-trace-id"));
    }
}

#[tokio::test]
async fn an_expired_version_is_served_as_the_oldest_live_one() {
    let sandbox = Sandbox::start().await;
    let response = sandbox.request(reqwest::Method::GET, &format!("/v17.0/{}", sandbox.phone)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["facebook-api-version"], "v21.0");
    let current = sandbox.request(reqwest::Method::GET, &format!("/v22.0/{}", sandbox.phone)).send().await.unwrap();
    assert_eq!(current.headers()["facebook-api-version"], "v22.0");
}

#[tokio::test]
async fn an_unknown_edge_is_an_unknown_path() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.get(&format!("/v23.0/{}/hologram", sandbox.phone)).await;
    assert_error(&answer, oauth(400, 2500, "Unknown path components: /hologram"));
}

#[tokio::test]
async fn a_known_edge_with_the_wrong_method_is_an_unsupported_request() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.get(&format!("/v23.0/{}/messages", sandbox.phone)).await;
    let message = unknown_object("get", &sandbox.phone);
    assert_error(
        &answer,
        Expected { status: 400, code: 100, subcode: Some(33), kind: "GraphMethodException", message: &message },
    );
}
