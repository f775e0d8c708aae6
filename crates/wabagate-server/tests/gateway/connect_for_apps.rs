//! The connection lifecycle apps build on: `redirect_url`, `tags`, `end_user_id`, a WABA
//! connected twice, and PENDING connections whose link expired.

use std::time::Duration;

use serde_json::{Value, json};
use url::Url;

use crate::connect_flow::Connectable;
use crate::support::assert_gateway_error;

const APP_ORIGIN: &str = "https://app.example.com";

async fn create(flow: &Connectable, body: Value) -> reqwest::Response {
    flow.app.post("/connections", &flow.key).json(&body).send().await.unwrap()
}

async fn created(flow: &Connectable, body: Value) -> Value {
    let answer = create(flow, body).await;
    assert_eq!(answer.status(), 200);
    answer.json::<Value>().await.unwrap()["connection"].clone()
}

/// The query of where the callback sent the browser, which must be under `APP_ORIGIN`.
fn back_at_the_app(callback_answer: &reqwest::Response) -> Vec<(String, String)> {
    assert_eq!(callback_answer.status(), 303);
    let location = Url::parse(callback_answer.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.origin().ascii_serialization(), APP_ORIGIN);
    assert_eq!(location.path(), "/connected");
    location.query_pairs().map(|(name, value)| (name.into_owned(), value.into_owned())).collect()
}

#[tokio::test]
async fn the_business_s_browser_goes_back_to_the_app_s_redirect_url_with_the_outcome() {
    let flow = Connectable::start_with(|options| options.connect_redirect_origins = vec![APP_ORIGIN.into()]).await;
    let redirect_url = format!("{APP_ORIGIN}/connected?session=abc");
    let pending = created(&flow, json!({"app": "whatsapp-business", "redirect_url": redirect_url})).await;
    assert_eq!(pending["redirect_url"], redirect_url.as_str());
    let id = pending["connection_id"].as_str().unwrap();

    let done = flow.connect(pending["url"].as_str().unwrap()).await;
    let query = back_at_the_app(&done);
    assert!(query.contains(&("session".into(), "abc".into())), "the app's own query stays: {query:?}");
    assert!(query.contains(&("connection_id".into(), id.into())), "{query:?}");
    assert!(query.contains(&("status".into(), "ACTIVE".into())), "{query:?}");

    let second = created(&flow, json!({"app": "whatsapp-business", "redirect_url": redirect_url})).await;
    let dialog = flow.open_connect_page(second["url"].as_str().unwrap()).await;
    let callback = flow.answer_dialog(&dialog, "cancel").await;
    let query = back_at_the_app(&flow.browser.get(callback).send().await.unwrap());
    assert!(query.contains(&("status".into(), "FAILED".into())), "{query:?}");
    assert!(query.contains(&("error".into(), "access_denied".into())), "{query:?}");
}

#[tokio::test]
async fn a_redirect_url_outside_the_allowed_origins_is_refused() {
    let flow = Connectable::start_with(|options| options.connect_redirect_origins = vec![APP_ORIGIN.into()]).await;
    for refused in
        ["https://evil.example/connected", "javascript:alert(1)", "/relative", "https://user:pw@app.example.com/"]
    {
        let answer = create(&flow, json!({"app": "whatsapp-business", "redirect_url": refused})).await;
        let message = assert_gateway_error(answer, 400, "invalid_redirect_url").await;
        assert!(message.contains("redirect_url"), "{refused}: {message}");
    }
    let unconfigured = Connectable::start().await;
    let answer = create(&unconfigured, json!({"app": "whatsapp-business", "redirect_url": APP_ORIGIN})).await;
    let message = assert_gateway_error(answer, 400, "invalid_redirect_url").await;
    assert!(message.contains("--connect-redirect-origin"), "{message}");
}

#[tokio::test]
async fn tags_and_end_user_id_are_shown_and_tags_filter_the_listing() {
    let flow = Connectable::start().await;
    let shop = created(
        &flow,
        json!({"app": "whatsapp-business", "tags": {"plan": "pro", "team": "eu"}, "end_user_id": "customer-42"}),
    )
    .await;
    assert_eq!(shop["tags"], json!({"plan": "pro", "team": "eu"}));
    assert_eq!(shop["end_user_id"], "customer-42");
    let other = created(&flow, json!({"app": "whatsapp-business", "tags": {"plan": "free"}})).await;
    assert_eq!(other["end_user_id"], Value::Null);

    let ids = |listed: Value| -> Vec<String> {
        listed["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["connection_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |query: &'static str| {
        let request = flow.app.get(&format!("/connections{query}"), &flow.key);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(ids(list("?tag.plan=pro").await), [shop["connection_id"].as_str().unwrap()]);
    assert_eq!(ids(list("?tag.plan=pro&tag.team=eu&status=PENDING").await).len(), 1);
    assert!(ids(list("?tag.plan=pro&tag.team=us").await).is_empty());
    assert_eq!(ids(list("?tag.plan=free").await), [other["connection_id"].as_str().unwrap()]);
    assert_eq!(ids(list("").await).len(), 2);
    let fetched = flow.connection(shop["connection_id"].as_str().unwrap()).await;
    assert_eq!(fetched["tags"], shop["tags"]);

    let too_long = json!({"app": "whatsapp-business", "tags": {"k": "v".repeat(257)}});
    assert_gateway_error(create(&flow, too_long).await, 400, "invalid_tags").await;
    let too_many: serde_json::Map<String, Value> = (0..33).map(|n| (format!("t{n}"), json!("v"))).collect();
    let too_many = json!({"app": "whatsapp-business", "tags": too_many});
    assert_gateway_error(create(&flow, too_many).await, 400, "invalid_tags").await;
    let not_text = json!({"app": "whatsapp-business", "tags": {"n": 1}});
    assert_gateway_error(create(&flow, not_text).await, 400, "invalid_json").await;
    let empty_user = json!({"app": "whatsapp-business", "end_user_id": ""});
    assert_gateway_error(create(&flow, empty_user).await, 400, "invalid_end_user_id").await;
}

#[tokio::test]
async fn a_second_connection_to_an_already_active_waba_is_refused_unless_forced() {
    let flow = Connectable::start().await;
    let first = flow.create_connection().await;
    let first_id = first["connection_id"].as_str().unwrap();
    assert_eq!(flow.connect(first["url"].as_str().unwrap()).await.status(), 200);

    let second = flow.create_connection().await;
    let page = flow.connect(second["url"].as_str().unwrap()).await;
    assert_eq!(page.status(), 409);
    let html = page.text().await.unwrap();
    assert!(html.contains("already connected") && html.contains(first_id), "{html}");
    let refused = flow.connection(second["connection_id"].as_str().unwrap()).await;
    assert_eq!(refused["status"], "FAILED");
    assert_eq!(refused["metadata"]["error"]["reason"], "duplicate_waba");
    assert_eq!(refused["metadata"]["error"]["existing_connection_id"], first_id);

    let forced = created(&flow, json!({"app": "whatsapp-business", "force": true})).await;
    assert_eq!(flow.connect(forced["url"].as_str().unwrap()).await.status(), 200);
    assert_eq!(flow.connection(forced["connection_id"].as_str().unwrap()).await["status"], "ACTIVE");
    // Reconnecting the first connection is not a second connection of its WABA.
    let reconnect = flow.reconnect(first_id).await;
    let reconnected = flow.connect(reconnect["url"].as_str().unwrap()).await;
    assert_eq!(reconnected.status(), 409, "…but the forced one now holds the WABA too");
}

#[tokio::test]
async fn a_pending_connection_whose_link_expired_turns_failed_with_the_reason() {
    let flow = Connectable::start_with(|options| options.expiry_check_interval = Duration::from_millis(50)).await;
    let account = flow.app.store.find_account("acme").await.unwrap();
    let short = flow
        .app
        .store
        .create_connection(account.account_id, "whatsapp-business", Duration::from_millis(1))
        .await
        .unwrap();
    let live = flow.create_connection().await;
    let id = short.connection_id.to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let failed = loop {
        let connection = flow.connection(&id).await;
        if connection["status"] == "FAILED" {
            break connection;
        }
        assert!(std::time::Instant::now() < deadline, "the watcher never failed the expired PENDING connection");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(failed["metadata"]["error"]["reason"], "link_expired", "{failed}");
    assert!(failed["metadata"]["error"]["description"].as_str().unwrap().contains("reconnect"), "{failed}");
    assert_eq!(flow.connection(live["connection_id"].as_str().unwrap()).await["status"], "PENDING");
}
