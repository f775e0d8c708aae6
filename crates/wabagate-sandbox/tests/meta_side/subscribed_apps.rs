//! `/{waba_id}/subscribed_apps`: POST/GET/DELETE, the override URL and its handshake, and
//! Meta's errors for missing, invalid and insufficient tokens and unknown WABAs.

use serde_json::{Value, json};
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_APP_ID, DEMO_USER_ID, DEMO_WABA_ID};
use wabagate_sandbox::tokens::{TokenInfo, TokenKind};

use super::support::{Receiver, Sandbox};

fn path(waba_id: &str) -> String {
    format!("/v23.0/{waba_id}/subscribed_apps")
}

async fn call(
    sandbox: &Sandbox,
    method: reqwest::Method,
    waba_id: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = sandbox.http.request(method, sandbox.url(&path(waba_id)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn demo_app_entry() -> Value {
    json!({ "whatsapp_business_api_data": {
        "id": DEMO_APP_ID,
        "link": format!("https://www.facebook.com/games/?app_id={DEMO_APP_ID}"),
        "name": "Wabagate Sandbox App",
    }})
}

#[tokio::test]
async fn subscribe_list_and_unsubscribe() {
    let sandbox = Sandbox::spawn().await;
    let token = Some(DEMO_ACCESS_TOKEN);
    let (status, body) = call(&sandbox, reqwest::Method::GET, DEMO_WABA_ID, token, None).await;
    assert_eq!((status, body), (200, json!({ "data": [demo_app_entry()] })), "the demo app starts subscribed");

    let (status, body) = call(&sandbox, reqwest::Method::DELETE, DEMO_WABA_ID, token, None).await;
    assert_eq!((status, body), (200, json!({ "success": true })));
    let (_, body) = call(&sandbox, reqwest::Method::GET, DEMO_WABA_ID, token, None).await;
    assert_eq!(body, json!({ "data": [] }));
    let (status, body) = call(&sandbox, reqwest::Method::DELETE, DEMO_WABA_ID, token, None).await;
    assert_eq!((status, body), (200, json!({ "success": true })), "unsubscribing twice still succeeds");

    let (status, body) = call(&sandbox, reqwest::Method::POST, DEMO_WABA_ID, token, None).await;
    assert_eq!((status, body), (200, json!({ "success": true })));
    let (_, body) = call(&sandbox, reqwest::Method::GET, DEMO_WABA_ID, token, None).await;
    assert_eq!(body, json!({ "data": [demo_app_entry()] }));
}

#[tokio::test]
async fn an_override_url_is_verified_before_it_is_stored() {
    let sandbox = Sandbox::spawn().await;
    let receiver = Receiver::spawn("override-token").await;
    let token = Some(DEMO_ACCESS_TOKEN);

    let (status, body) = call(
        &sandbox,
        reqwest::Method::POST,
        DEMO_WABA_ID,
        token,
        Some(json!({ "override_callback_uri": receiver.url, "verify_token": "wrong" })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 2200);
    assert_eq!(
        body["error"]["message"],
        "(#2200) Callback verification failed with the following errors: HTTP Status Code = 403"
    );
    let (_, listed) = call(&sandbox, reqwest::Method::GET, DEMO_WABA_ID, token, None).await;
    assert_eq!(listed, json!({ "data": [demo_app_entry()] }), "a failed verification changes nothing");

    let (status, body) = call(
        &sandbox,
        reqwest::Method::POST,
        DEMO_WABA_ID,
        token,
        Some(json!({ "override_callback_uri": receiver.url, "verify_token": "override-token" })),
    )
    .await;
    assert_eq!((status, body), (200, json!({ "success": true })));
    let (_, listed) = call(&sandbox, reqwest::Method::GET, DEMO_WABA_ID, token, None).await;
    let mut expected = demo_app_entry();
    expected["override_callback_uri"] = receiver.url.clone().into();
    assert_eq!(listed, json!({ "data": [expected] }));

    // An empty POST removes the override again.
    call(&sandbox, reqwest::Method::POST, DEMO_WABA_ID, token, None).await;
    let (_, listed) = call(&sandbox, reqwest::Method::GET, DEMO_WABA_ID, token, None).await;
    assert_eq!(listed, json!({ "data": [demo_app_entry()] }));
}

#[tokio::test]
async fn token_and_waba_errors_are_metas() {
    let sandbox = Sandbox::spawn().await;
    let now = sandbox.state.clock().unix();
    sandbox.insert_token(
        "EAAGmessagingOnly",
        TokenInfo {
            kind: TokenKind::User,
            app_id: DEMO_APP_ID.into(),
            user_id: DEMO_USER_ID.into(),
            scopes: vec!["whatsapp_business_messaging".into()],
            waba_ids: vec![DEMO_WABA_ID.into()],
            issued_at: now,
            expires_at: None,
        },
    );
    let unknown_waba = "1999999999999999";
    let cases = [
        (
            "no token",
            reqwest::Method::GET,
            DEMO_WABA_ID,
            None,
            400,
            json!({ "message": "An access token is required to request this resource.", "type": "OAuthException", "code": 104 }),
        ),
        (
            "garbage token",
            reqwest::Method::POST,
            DEMO_WABA_ID,
            Some("EAAGgarbage"),
            401,
            json!({ "message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException", "code": 190 }),
        ),
        (
            "unknown WABA",
            reqwest::Method::POST,
            unknown_waba,
            Some(DEMO_ACCESS_TOKEN),
            400,
            json!({
                "message": format!("Unsupported post request. Object with ID '{unknown_waba}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"),
                "type": "GraphMethodException", "code": 100, "error_subcode": 33,
            }),
        ),
        (
            "token without whatsapp_business_management",
            reqwest::Method::DELETE,
            DEMO_WABA_ID,
            Some("EAAGmessagingOnly"),
            403,
            json!({ "message": "(#200) Permissions error", "type": "OAuthException", "code": 200 }),
        ),
    ];
    for (description, method, waba_id, token, status, expected) in cases {
        let (actual_status, mut body) = call(&sandbox, method, waba_id, token, None).await;
        assert_eq!(actual_status, status, "{description}: {body}");
        body["error"].as_object_mut().unwrap().remove("fbtrace_id").expect("fbtrace_id");
        assert_eq!(body["error"], expected, "{description}");
    }
}

#[tokio::test]
async fn access_token_query_parameter_works_like_the_header() {
    let sandbox = Sandbox::spawn().await;
    let response = sandbox
        .http
        .get(sandbox.url(&path(DEMO_WABA_ID)))
        .query(&[("access_token", DEMO_ACCESS_TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
