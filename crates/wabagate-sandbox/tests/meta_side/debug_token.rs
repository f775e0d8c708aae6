//! `/debug_token`: valid, expired and unknown input tokens, and who may inspect.

use serde_json::{Value, json};
use wabagate_sandbox::oauth::{LoginConfiguration, MetaApp, RedirectPolicy};
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_APP_ID, DEMO_SYSTEM_USER_ID, DEMO_USER_ID, DEMO_WABA_ID};
use wabagate_sandbox::tokens::{TokenInfo, TokenKind};

use super::support::{Sandbox, app_token};

async fn inspect(sandbox: &Sandbox, params: &[(&str, &str)]) -> (u16, Value) {
    let response = sandbox.http.get(sandbox.url("/v23.0/debug_token")).query(params).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_system_user_token_never_expires_and_names_its_waba() {
    let sandbox = Sandbox::spawn().await;
    let (status, body) = inspect(&sandbox, &[("input_token", DEMO_ACCESS_TOKEN), ("access_token", &app_token())]).await;
    assert_eq!(status, 200);
    let issued_at = body["data"]["issued_at"].clone();
    assert_eq!(
        body,
        json!({ "data": {
            "app_id": DEMO_APP_ID,
            "type": "SYSTEM_USER",
            "application": "Wabagate Sandbox App",
            "data_access_expires_at": 0,
            "expires_at": 0,
            "is_valid": true,
            "issued_at": issued_at,
            "scopes": ["whatsapp_business_management", "whatsapp_business_messaging"],
            "granular_scopes": [
                { "scope": "whatsapp_business_management", "target_ids": [DEMO_WABA_ID] },
                { "scope": "whatsapp_business_messaging", "target_ids": [DEMO_WABA_ID] },
            ],
            "user_id": DEMO_SYSTEM_USER_ID,
        }})
    );
}

#[tokio::test]
async fn an_expired_token_is_reported_invalid_with_error_463() {
    let sandbox = Sandbox::spawn().await;
    let now = sandbox.state.clock().unix();
    sandbox.insert_token(
        "EAAGexpiring",
        TokenInfo {
            kind: TokenKind::User,
            app_id: DEMO_APP_ID.into(),
            user_id: DEMO_USER_ID.into(),
            scopes: vec!["whatsapp_business_messaging".into()],
            waba_ids: vec![DEMO_WABA_ID.into()],
            issued_at: now,
            expires_at: Some(now + 60),
        },
    );
    sandbox.state.clock().advance(61);
    let (status, body) = inspect(&sandbox, &[("input_token", "EAAGexpiring"), ("access_token", &app_token())]).await;
    assert_eq!(status, 200);
    let data = &body["data"];
    assert_eq!(data["is_valid"], false);
    assert_eq!(data["expires_at"], now + 60);
    assert_eq!(data["type"], "USER");
    assert_eq!(data["error"]["code"], 190);
    assert_eq!(data["error"]["subcode"], 463);
    super::token_endpoint::assert_session_expired_message(data["error"]["message"].as_str().unwrap());
}

#[tokio::test]
async fn an_unknown_token_is_reported_invalid_without_a_request_error() {
    let sandbox = Sandbox::spawn().await;
    let (status, body) = inspect(&sandbox, &[("input_token", "EAAGgarbage"), ("access_token", &app_token())]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": {
            "error": { "code": 190, "message": "Invalid OAuth access token - Cannot parse access token" },
            "is_valid": false,
            "scopes": [],
        }})
    );
}

#[tokio::test]
async fn the_inspector_must_be_a_valid_token_of_the_same_app() {
    let sandbox = Sandbox::spawn().await;
    let (status, body) = inspect(&sandbox, &[("input_token", DEMO_ACCESS_TOKEN)]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 104);
    assert_eq!(body["error"]["message"], "An access token is required to request this resource.");

    let (status, body) = inspect(&sandbox, &[("input_token", DEMO_ACCESS_TOKEN), ("access_token", "1|wrong")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 190);

    sandbox.state.oauth().apps().register(MetaApp {
        app_id: "2000000000000001".into(),
        app_secret: "other-secret".into(),
        name: "Other App".into(),
        redirect_uris: RedirectPolicy::AnyHttp,
        configurations: Vec::<LoginConfiguration>::new(),
    });
    let (status, body) =
        inspect(&sandbox, &[("input_token", DEMO_ACCESS_TOKEN), ("access_token", "2000000000000001|other-secret")])
            .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 100);
    assert_eq!(body["error"]["message"], "(#100) The App_id in the input_token did not match the Viewing App");

    let (status, body) = inspect(&sandbox, &[("access_token", &app_token())]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "(#100) The parameter input_token is required");
}
