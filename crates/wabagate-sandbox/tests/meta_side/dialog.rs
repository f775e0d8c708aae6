//! The OAuth dialog: consent page, Meta-like error pages, Continue/Cancel redirects, and
//! full round trips for classic login and Embedded Signup.

use serde_json::Value;
use wabagate_sandbox::seed::{
    DEMO_APP_ID, DEMO_APP_SECRET, DEMO_BUSINESS_ID, DEMO_CONFIG_ID, DEMO_PHONE_NUMBERS, DEMO_WABA_ID,
};

use super::support::{Sandbox, app_token, consent_form_fields, query_of};

const REDIRECT: &str = "http://127.0.0.1:9/oauth/meta/callback";
const SCOPES: &str = "whatsapp_business_management,whatsapp_business_messaging";

fn dialog_url(sandbox: &Sandbox, params: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    sandbox.url(&format!("/v23.0/dialog/oauth?{query}"))
}

async fn get_page(sandbox: &Sandbox, params: &[(&str, &str)]) -> (u16, String) {
    let response = sandbox.http.get(dialog_url(sandbox, params)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Opens the dialog and submits its form with `decision`, as a browser clicking the button would.
async fn click(sandbox: &Sandbox, params: &[(&str, &str)], decision: &str) -> reqwest::Response {
    let (status, html) = get_page(sandbox, params).await;
    assert_eq!(status, 200, "{html}");
    let mut fields = consent_form_fields(&html);
    fields.push(("decision".into(), decision.into()));
    sandbox.http.post(sandbox.url("/v23.0/dialog/oauth")).form(&fields).send().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302);
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn exchange(sandbox: &Sandbox, code: &str, redirect_uri: Option<&str>) -> (u16, Value) {
    let mut params = vec![("client_id", DEMO_APP_ID), ("client_secret", DEMO_APP_SECRET), ("code", code)];
    if let Some(redirect_uri) = redirect_uri {
        params.push(("redirect_uri", redirect_uri));
    }
    let response = sandbox.http.get(sandbox.url("/v23.0/oauth/access_token")).query(&params).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn debug_token(sandbox: &Sandbox, token: &str) -> Value {
    let response = sandbox
        .http
        .get(sandbox.url("/v23.0/debug_token"))
        .query(&[("input_token", token), ("access_token", &app_token())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn consent_page_is_a_plain_form_with_continue_and_cancel() {
    let sandbox = Sandbox::spawn().await;
    let (status, html) = get_page(
        &sandbox,
        &[("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("state", "st_1"), ("scope", SCOPES)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<form method="post" action="/v23.0/dialog/oauth">"#), "{html}");
    assert!(html.contains(r#"id="continue""#) && html.contains(r#"id="cancel""#));
    assert!(html.contains("<li>whatsapp_business_management</li>"));
    assert!(html.contains(&format!(r#"<option value="{DEMO_WABA_ID}">"#)), "the WABA picker lists the demo WABA");
    assert!(!html.contains("<script"), "the classic dialog needs no JavaScript");
}

/// (description, dialog parameters, expected `data-error`).
type ErrorCase = (&'static str, Vec<(&'static str, &'static str)>, &'static str);

#[tokio::test]
async fn bad_dialog_parameters_get_facebook_error_pages() {
    let sandbox = Sandbox::spawn().await;
    let cases: [ErrorCase; 6] = [
        ("missing client_id", vec![("redirect_uri", REDIRECT)], "invalid_app_id"),
        ("unknown client_id", vec![("client_id", "999"), ("redirect_uri", REDIRECT)], "invalid_app_id"),
        ("missing redirect_uri", vec![("client_id", DEMO_APP_ID)], "missing_redirect_uri"),
        ("non-http redirect", vec![("client_id", DEMO_APP_ID), ("redirect_uri", "javascript:alert(1)")], "url_blocked"),
        (
            "unknown config_id",
            vec![("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("config_id", "123")],
            "something_went_wrong",
        ),
        (
            "unknown permission",
            vec![
                ("client_id", DEMO_APP_ID),
                ("redirect_uri", REDIRECT),
                ("scope", "whatsapp_business_messaging,manage_pages"),
            ],
            "invalid_scopes",
        ),
    ];
    for (description, params, error) in cases {
        let (status, html) = get_page(&sandbox, &params).await;
        assert_eq!(status, 400, "{description}");
        assert!(html.contains(&format!(r#"<main id="error" data-error="{error}">"#)), "{description}: {html}");
        assert!(!html.contains(r#"id="continue""#), "{description}");
    }
    let (_, html) = get_page(&sandbox, &[("client_id", "999"), ("redirect_uri", REDIRECT)]).await;
    assert!(html.contains("<h1>Invalid App ID</h1>"));
    let (_, html) =
        get_page(&sandbox, &[("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("scope", "manage_pages")]).await;
    assert!(html.contains("Invalid Scopes: manage_pages."));
}

#[tokio::test]
async fn registered_redirect_uris_are_matched_exactly() {
    let sandbox = Sandbox::spawn().await;
    let registered = "https://gw.example.com/oauth/meta/callback";
    let response = sandbox
        .http
        .put(sandbox.url(&format!("/__sandbox/apps/{DEMO_APP_ID}/redirect_uris")))
        .json(&serde_json::json!({ "redirect_uris": [registered] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (status, _) = get_page(&sandbox, &[("client_id", DEMO_APP_ID), ("redirect_uri", registered)]).await;
    assert_eq!(status, 200);
    for other in
        [REDIRECT, "https://gw.example.com/oauth/meta/callback/", "https://gw.example.com/oauth/meta/callback?x=1"]
    {
        let (status, html) = get_page(&sandbox, &[("client_id", DEMO_APP_ID), ("redirect_uri", other)]).await;
        assert_eq!(status, 400, "{other}");
        assert!(html.contains("<h1>URL blocked</h1>"), "{other}");
        assert!(html.contains("not whitelisted in the app&#x27;s Client OAuth Settings"), "{other}");
    }
}

#[tokio::test]
async fn classic_login_round_trip_yields_a_user_token_for_the_chosen_waba() {
    let sandbox = Sandbox::spawn().await;
    let params = [("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("state", "st_7c1e0b9a"), ("scope", SCOPES)];
    let location = location(&click(&sandbox, &params, "continue").await);
    assert!(location.starts_with(&format!("{REDIRECT}?code=AQ")), "{location}");
    assert!(location.ends_with("#_=_"), "Meta's fragment quirk: {location}");
    let query = query_of(&location);
    assert_eq!(query["state"], "st_7c1e0b9a");

    let (status, token) = exchange(&sandbox, &query["code"], Some(REDIRECT)).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);
    let access_token = token["access_token"].as_str().unwrap();
    assert!(access_token.starts_with("EAA"));

    let debug = debug_token(&sandbox, access_token).await;
    let data = &debug["data"];
    assert_eq!(data["type"], "USER");
    assert_eq!(data["is_valid"], true);
    assert_eq!(data["app_id"], DEMO_APP_ID);
    assert_eq!(data["application"], "Wabagate Sandbox App");
    assert_eq!(data["expires_at"].as_i64().unwrap() - data["issued_at"].as_i64().unwrap(), 3600);
    assert_eq!(
        data["scopes"],
        serde_json::json!(["whatsapp_business_management", "whatsapp_business_messaging", "public_profile"])
    );
    assert_eq!(
        data["granular_scopes"],
        serde_json::json!([
            { "scope": "whatsapp_business_management", "target_ids": [DEMO_WABA_ID] },
            { "scope": "whatsapp_business_messaging", "target_ids": [DEMO_WABA_ID] },
        ])
    );

    let (status, reused) = exchange(&sandbox, &query["code"], Some(REDIRECT)).await;
    assert_eq!(status, 400);
    assert_eq!(reused["error"]["message"], "This authorization code has been used.");
    assert_eq!(reused["error"]["type"], "OAuthException");
    assert_eq!(reused["error"]["code"], 100);
    assert_eq!(reused["error"]["error_subcode"], 36009);
    assert!(reused["error"]["fbtrace_id"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn cancel_redirects_with_access_denied_and_the_state() {
    let sandbox = Sandbox::spawn().await;
    let params = [("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("state", "st_x"), ("scope", SCOPES)];
    let location = location(&click(&sandbox, &params, "cancel").await);
    assert_eq!(
        location,
        format!(
            "{REDIRECT}?error=access_denied&error_code=200&error_description=Permissions+error&error_reason=user_denied&state=st_x#_=_"
        )
    );
}

#[tokio::test]
async fn embedded_signup_round_trip_yields_a_non_expiring_business_token() {
    let sandbox = Sandbox::spawn().await;
    let extras = r#"{"setup":{},"featureType":"","sessionInfoVersion":"3"}"#;
    let params = [
        ("client_id", DEMO_APP_ID),
        ("redirect_uri", REDIRECT),
        ("state", "es_1"),
        ("config_id", DEMO_CONFIG_ID),
        ("response_type", "code"),
        ("override_default_response_type", "true"),
        ("extras", extras),
    ];
    let (_, html) = get_page(&sandbox, &params).await;
    assert!(html.contains("Configuration: <strong>WhatsApp Embedded Signup</strong>"));
    let first_number = DEMO_PHONE_NUMBERS[0].0;
    assert!(html.contains(&format!(r#"<option value="{DEMO_WABA_ID}:{first_number}">"#)), "{html}");

    let location = location(&click(&sandbox, &params, "continue").await);
    let query = query_of(&location);
    assert_eq!(query["state"], "es_1");
    let (status, token) = exchange(&sandbox, &query["code"], Some(REDIRECT)).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "bearer");
    assert!(token.get("expires_in").is_none(), "business tokens do not expire: {token}");

    let data = debug_token(&sandbox, token["access_token"].as_str().unwrap()).await["data"].clone();
    assert_eq!(data["type"], "SYSTEM_USER");
    assert_eq!(data["expires_at"], 0);
    assert_eq!(data["data_access_expires_at"], 0);
    assert_eq!(data["granular_scopes"][0]["target_ids"], serde_json::json!([DEMO_WABA_ID]));
}

#[tokio::test]
async fn embedded_signup_code_lives_thirty_seconds() {
    let sandbox = Sandbox::spawn().await;
    let params = [("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("config_id", DEMO_CONFIG_ID)];
    let code = query_of(&location(&click(&sandbox, &params, "continue").await))["code"].clone();
    sandbox.state.clock().advance(30);
    let (status, body) = exchange(&sandbox, &code, Some(REDIRECT)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["error_subcode"], 36007);
}

#[tokio::test]
async fn embedded_signup_in_a_popup_posts_session_info_to_the_opener() {
    let sandbox = Sandbox::spawn().await;
    let second_number = DEMO_PHONE_NUMBERS[1].0;
    let params =
        [("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("config_id", DEMO_CONFIG_ID), ("display", "popup")];
    let (_, html) = get_page(&sandbox, &params).await;
    let mut fields: Vec<(String, String)> =
        consent_form_fields(&html).into_iter().filter(|(name, _)| name != "asset").collect();
    fields.push(("asset".into(), format!("{DEMO_WABA_ID}:{second_number}")));
    fields.push(("decision".into(), "continue".into()));
    let response = sandbox.http.post(sandbox.url("/v23.0/dialog/oauth")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();

    let info = page
        .split(r#"<script type="application/json" id="session-info">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("session info element");
    let info: Value = serde_json::from_str(info).unwrap();
    assert_eq!(
        info,
        serde_json::json!({
            "type": "WA_EMBEDDED_SIGNUP",
            "event": "FINISH",
            "data": { "phone_number_id": second_number, "waba_id": DEMO_WABA_ID, "business_id": DEMO_BUSINESS_ID },
            "version": "3",
        })
    );
    assert!(page.contains("window.opener.postMessage"));
    assert!(page.contains(&format!(r#"window.location.replace("{REDIRECT}?code=AQ"#)));
}

#[tokio::test]
async fn implicit_flow_puts_the_token_in_the_fragment() {
    let sandbox = Sandbox::spawn().await;
    let params = [
        ("client_id", DEMO_APP_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "token"),
        ("scope", SCOPES),
        ("state", "s"),
    ];
    let location = location(&click(&sandbox, &params, "continue").await);
    let fragment = location.split_once('#').unwrap().1;
    let fragment: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(fragment.as_bytes()).into_owned().collect();
    assert!(fragment["access_token"].starts_with("EAA"));
    assert_eq!(fragment["expires_in"], "3600");
    assert_eq!(fragment["state"], "s");
    assert_eq!(debug_token(&sandbox, &fragment["access_token"]).await["data"]["is_valid"], true);
}

#[tokio::test]
async fn a_forged_asset_is_refused() {
    let sandbox = Sandbox::spawn().await;
    let params = [("client_id", DEMO_APP_ID), ("redirect_uri", REDIRECT), ("scope", SCOPES)];
    let (_, html) = get_page(&sandbox, &params).await;
    let mut fields: Vec<(String, String)> =
        consent_form_fields(&html).into_iter().filter(|(name, _)| name != "asset").collect();
    fields.push(("asset".into(), "4242".into()));
    fields.push(("decision".into(), "continue".into()));
    let response = sandbox.http.post(sandbox.url("/v23.0/dialog/oauth")).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains(r#"data-error="something_went_wrong""#));
}
