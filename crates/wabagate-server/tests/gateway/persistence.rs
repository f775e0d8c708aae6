use serde_json::Value;

use crate::support::{EchoUpstream, META_TOKEN, TestApp};

#[tokio::test]
async fn a_restart_keeps_accounts_keys_connections_and_tokens() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    let connection = app.active_connection(&account, &["111"]).await;
    let pending = app.create_connection(&key).await;

    let app = app.restart().await;

    let listed: Value = app.get("/connections", &key).send().await.unwrap().json().await.unwrap();
    let listed = listed["connections"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["connection_id"], connection.to_string());
    let mut pending = pending.clone();
    let mut reloaded = listed[1].clone();
    // The restarted gateway listens on another port, so only the url's host differs.
    for connection in [&mut pending, &mut reloaded] {
        connection.as_object_mut().unwrap().remove("url");
    }
    assert_eq!(reloaded, pending);
    let response = app.get("/whatsapp-business/v21.0/111", &key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        upstream.requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {META_TOKEN}").as_str())
    );
}

#[tokio::test]
async fn tokens_are_not_stored_in_plain_text() {
    let upstream = EchoUpstream::start().await;
    let mut app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    app.stop().await;
    let mut everything = Vec::new();
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        everything.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let contains = |needle: &[u8]| everything.windows(needle.len()).any(|window| window == needle);
    assert!(!contains(META_TOKEN.as_bytes()), "the Meta token is stored in plain text");
    assert!(!contains(key.as_bytes()), "the API key is stored in plain text");
}
