//! `/oauth/access_token`: Meta's exact error bodies for each way an exchange fails, the
//! long-lived exchange, app tokens, and token expiry on a Graph call.

use serde_json::{Value, json};
use wabagate_sandbox::oauth::codes::CodeGrant;
use wabagate_sandbox::seed::{DEMO_APP_ID, DEMO_APP_SECRET, DEMO_USER_ID, DEMO_WABA_ID};
use wabagate_sandbox::tokens::{TokenInfo, TokenKind};

use super::support::Sandbox;

const REDIRECT: &str = "https://gw.example.com/oauth/meta/callback";

fn issue_code(sandbox: &Sandbox) -> String {
    sandbox.state.oauth().codes().issue(CodeGrant {
        app_id: DEMO_APP_ID.into(),
        redirect_uri: Some(REDIRECT.into()),
        token_kind: TokenKind::User,
        user_id: DEMO_USER_ID.into(),
        scopes: vec!["whatsapp_business_management".into(), "public_profile".into()],
        waba_ids: vec![DEMO_WABA_ID.into()],
        expires_at: sandbox.state.clock().unix() + 600,
    })
}

async fn token_endpoint(sandbox: &Sandbox, params: &[(&str, &str)]) -> (u16, Option<String>, Value) {
    let response = sandbox.http.get(sandbox.url("/v23.0/oauth/access_token")).query(params).send().await.unwrap();
    let authenticate = response.headers().get("www-authenticate").map(|value| value.to_str().unwrap().to_owned());
    (response.status().as_u16(), authenticate, response.json().await.unwrap())
}

/// The error object without its random `fbtrace_id` (whose presence is checked).
fn error_without_trace(body: &Value) -> Value {
    let mut error = body["error"].clone();
    let trace = error.as_object_mut().and_then(|error| error.remove("fbtrace_id"));
    assert!(trace.is_some_and(|trace| trace.as_str().is_some_and(|trace| trace.len() >= 11)), "{body}");
    error
}

#[tokio::test]
async fn exchange_errors_are_metas() {
    let sandbox = Sandbox::spawn().await;
    let code = issue_code(&sandbox);
    let cases = [
        (
            "unknown client_id",
            vec![
                ("client_id", "4242"),
                ("client_secret", DEMO_APP_SECRET),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ],
            json!({ "message": "Error validating application. Invalid application ID.", "type": "OAuthException", "code": 101 }),
        ),
        (
            "wrong client_secret",
            vec![("client_id", DEMO_APP_ID), ("client_secret", "nope"), ("code", &code), ("redirect_uri", REDIRECT)],
            json!({ "message": "Error validating client secret.", "type": "OAuthException", "code": 1 }),
        ),
        (
            "redirect_uri differs from the dialog's",
            vec![
                ("client_id", DEMO_APP_ID),
                ("client_secret", DEMO_APP_SECRET),
                ("code", &code),
                ("redirect_uri", "https://gw.example.com/other"),
            ],
            json!({
                "message": "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
                "type": "OAuthException", "code": 100, "error_subcode": 36008,
            }),
        ),
        (
            "code never issued",
            vec![
                ("client_id", DEMO_APP_ID),
                ("client_secret", DEMO_APP_SECRET),
                ("code", "AQnotacode"),
                ("redirect_uri", REDIRECT),
            ],
            json!({ "message": "Invalid verification code format.", "type": "OAuthException", "code": 100 }),
        ),
        (
            "missing code",
            vec![("client_id", DEMO_APP_ID), ("client_secret", DEMO_APP_SECRET)],
            json!({ "message": "Missing code parameter.", "type": "OAuthException", "code": 100 }),
        ),
    ];
    for (description, params, expected) in cases {
        let (status, _, body) = token_endpoint(&sandbox, &params).await;
        assert_eq!(status, 400, "{description}");
        assert_eq!(error_without_trace(&body), expected, "{description}");
    }
    // None of the failures above consumed the code.
    let (status, _, body) = token_endpoint(
        &sandbox,
        &[("client_id", DEMO_APP_ID), ("client_secret", DEMO_APP_SECRET), ("code", &code), ("redirect_uri", REDIRECT)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_expired_code_is_refused_once_the_clock_moves_past_its_ttl() {
    let sandbox = Sandbox::spawn().await;
    let code = issue_code(&sandbox);
    sandbox.state.clock().advance(601);
    let (status, authenticate, body) = token_endpoint(
        &sandbox,
        &[("client_id", DEMO_APP_ID), ("client_secret", DEMO_APP_SECRET), ("code", &code), ("redirect_uri", REDIRECT)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error_without_trace(&body),
        json!({ "message": "This authorization code has expired.", "type": "OAuthException", "code": 100, "error_subcode": 36007 })
    );
    assert_eq!(
        authenticate.as_deref(),
        Some(r#"OAuth "Facebook Platform" "invalid_code" "This authorization code has expired.""#)
    );
}

#[tokio::test]
async fn posting_the_exchange_as_a_form_works_like_get() {
    let sandbox = Sandbox::spawn().await;
    let code = issue_code(&sandbox);
    let response = sandbox
        .http
        .post(sandbox.url("/oauth/access_token"))
        .form(&[
            ("client_id", DEMO_APP_ID),
            ("client_secret", DEMO_APP_SECRET),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 3600);
}

async fn short_lived_token(sandbox: &Sandbox) -> String {
    let code = issue_code(sandbox);
    let (_, _, body) = token_endpoint(
        sandbox,
        &[("client_id", DEMO_APP_ID), ("client_secret", DEMO_APP_SECRET), ("code", &code), ("redirect_uri", REDIRECT)],
    )
    .await;
    body["access_token"].as_str().unwrap().to_owned()
}

async fn extend(sandbox: &Sandbox, token: &str) -> (u16, Option<String>, Value) {
    token_endpoint(
        sandbox,
        &[
            ("grant_type", "fb_exchange_token"),
            ("client_id", DEMO_APP_ID),
            ("client_secret", DEMO_APP_SECRET),
            ("fb_exchange_token", token),
        ],
    )
    .await
}

#[tokio::test]
async fn fb_exchange_token_yields_a_sixty_day_token_that_is_not_extended_again() {
    let sandbox = Sandbox::spawn().await;
    let short = short_lived_token(&sandbox).await;
    let (status, _, long) = extend(&sandbox, &short).await;
    assert_eq!(status, 200, "{long}");
    assert_eq!(long["token_type"], "bearer");
    assert_eq!(long["expires_in"], 5_183_944);
    let long_token = long["access_token"].as_str().unwrap().to_owned();
    assert_ne!(long_token, short);
    let info = sandbox.state.tokens().get(&long_token).unwrap();
    assert_eq!(info.waba_ids, vec![DEMO_WABA_ID.to_owned()], "the long-lived token keeps the grant");

    sandbox.state.clock().advance(86_400);
    let (_, _, again) = extend(&sandbox, &long_token).await;
    assert_eq!(again["expires_in"], 5_183_944 - 86_400, "same expiry, not a new 60 days");
}

#[tokio::test]
async fn exchanging_an_expired_or_unknown_token_fails_with_190() {
    let sandbox = Sandbox::spawn().await;
    let short = short_lived_token(&sandbox).await;
    sandbox.state.clock().advance(3_600);
    let (status, authenticate, body) = extend(&sandbox, &short).await;
    assert_eq!(status, 400);
    let error = error_without_trace(&body);
    assert_eq!(error["code"], 190);
    assert_eq!(error["error_subcode"], 463);
    assert_eq!(error["type"], "OAuthException");
    assert_session_expired_message(error["message"].as_str().unwrap());
    assert!(authenticate.unwrap().contains(r#""invalid_token""#));

    let (status, _, body) = extend(&sandbox, "EAAGnotatoken").await;
    assert_eq!(status, 400);
    assert_eq!(
        error_without_trace(&body),
        json!({ "message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException", "code": 190 })
    );
}

/// `Error validating access token: Session has expired on Friday, 13-Jun-25 10:00:00 PDT.
/// The current time is Monday, 16-Jun-25 09:00:00 PDT.` with today's dates.
pub(super) fn assert_session_expired_message(message: &str) {
    let rest = message.strip_prefix("Error validating access token: Session has expired on ").expect(message);
    let (expired, now) = rest.split_once(". The current time is ").expect(message);
    for stamp in [expired, now.strip_suffix('.').expect(message)] {
        let (weekday, time) = stamp.split_once(", ").expect(message);
        assert!(weekday.ends_with("day"), "{message}");
        assert!(time.ends_with(" PDT") || time.ends_with(" PST"), "{message}");
        assert_eq!(time.len(), "13-Jun-25 10:00:00 PDT".len(), "{message}");
    }
}

#[tokio::test]
async fn client_credentials_mints_an_app_token() {
    let sandbox = Sandbox::spawn().await;
    let (status, _, body) = token_endpoint(
        &sandbox,
        &[("grant_type", "client_credentials"), ("client_id", DEMO_APP_ID), ("client_secret", DEMO_APP_SECRET)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert!(body.get("expires_in").is_none());
    let app_token = body["access_token"].as_str().unwrap();
    assert!(app_token.starts_with(&format!("{DEMO_APP_ID}|")));

    let response = sandbox
        .http
        .get(sandbox.url("/v23.0/debug_token"))
        .query(&[("input_token", wabagate_sandbox::seed::DEMO_ACCESS_TOKEN)])
        .bearer_auth(app_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_token_expires_on_graph_calls_when_the_clock_passes_its_expiry() {
    let sandbox = Sandbox::spawn().await;
    let now = sandbox.state.clock().unix();
    sandbox.insert_token(
        "EAAGshortLivedUserToken",
        TokenInfo {
            kind: TokenKind::User,
            app_id: DEMO_APP_ID.into(),
            user_id: DEMO_USER_ID.into(),
            scopes: vec!["whatsapp_business_management".into()],
            waba_ids: vec![DEMO_WABA_ID.into()],
            issued_at: now,
            expires_at: Some(now + 3_600),
        },
    );
    let call = || {
        sandbox
            .http
            .get(sandbox.url(&format!("/v23.0/{DEMO_WABA_ID}/subscribed_apps")))
            .bearer_auth("EAAGshortLivedUserToken")
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 200);
    sandbox.state.clock().advance(3_600);
    let response = call().await.unwrap();
    assert_eq!(response.status(), 401, "WhatsApp endpoints answer 190 with 401");
    let body: Value = response.json().await.unwrap();
    let error = error_without_trace(&body);
    assert_eq!(error["code"], 190);
    assert_eq!(error["error_subcode"], 463);
    assert_eq!(error["type"], "OAuthException");
    assert_session_expired_message(error["message"].as_str().unwrap());
}
