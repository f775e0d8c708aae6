//! The app's side of Graph: resumable uploads, webhook subscriptions, and
//! `subscribed_apps` without a version.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Sandbox, assert_error, oauth};

#[tokio::test]
async fn a_resumable_upload_answers_a_handle_once_every_byte_arrived() {
    let sandbox = Sandbox::start().await;
    let app = &sandbox.handle.demo().app_id;
    let (status, opened) =
        Sandbox::answer(sandbox.request(
            Method::POST,
            &format!("/v23.0/{app}/uploads?file_name=logo.png&file_length=10&file_type=image/png"),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let session = opened["id"].as_str().unwrap().to_owned();
    assert!(session.starts_with("upload:"), "{session}");
    let first =
        sandbox.request(Method::POST, &format!("/v23.0/{session}")).header("file_offset", "0").body(vec![1_u8; 4]);
    assert_eq!(Sandbox::answer(first).await.1["file_offset"], 4);
    assert_eq!(sandbox.get(&format!("/v23.0/{session}")).await.1["file_offset"], 4);
    let wrong_offset =
        sandbox.request(Method::POST, &format!("/v23.0/{session}")).header("file_offset", "0").body(vec![1_u8; 6]);
    assert_error(&Sandbox::answer(wrong_offset).await, oauth(400, 100, "(#100) Invalid parameter"));
    let rest =
        sandbox.request(Method::POST, &format!("/v23.0/{session}")).header("file_offset", "4").body(vec![1_u8; 6]);
    let (status, done) = Sandbox::answer(rest).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done["h"].as_str().is_some_and(|handle| handle.starts_with("4:")), "{done}");
    let bad_type =
        sandbox.request(Method::POST, &format!("/v23.0/{app}/uploads?file_name=a&file_length=1&file_type=text/html"));
    assert_error(&Sandbox::answer(bad_type).await, oauth(400, 100, "(#100) Invalid parameter"));
}

#[tokio::test]
async fn subscribed_apps_answers_without_a_version_too() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.get(&format!("/{}/subscribed_apps", sandbox.waba)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"][0]["whatsapp_business_api_data"]["id"], sandbox.handle.demo().app_id.as_str());
}

/// A callback that answers Meta's `hub.challenge` handshake, on an ephemeral port.
async fn handshake_receiver() -> String {
    use axum::extract::Query;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::get(|Query(query): Query<std::collections::HashMap<String, String>>| async move {
            query.get("hub.challenge").cloned().unwrap_or_default()
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn an_app_subscription_needs_a_callback_that_passes_the_handshake() {
    let sandbox = Sandbox::start().await;
    let app = sandbox.handle.demo().app_id.clone();
    let path = format!("/v23.0/{app}/subscriptions");
    let page = sandbox
        .post(&path, json!({"object": "page", "callback_url": "http://127.0.0.1:9/", "verify_token": "t"}))
        .await;
    assert_error(&page, oauth(400, 100, "(#100) Invalid parameter"));
    let unreachable =
        json!({"object": "whatsapp_business_account", "callback_url": "http://127.0.0.1:9/hook", "verify_token": "t"});
    let (status, body) = sandbox.post(&path, unreachable).await;
    assert_eq!((status, body["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!(2200)), "{body}");
    let callback = handshake_receiver().await;
    let good = json!({"object": "whatsapp_business_account", "callback_url": callback, "verify_token": "t", "fields": "messages"});
    assert_eq!(sandbox.post(&path, good).await, (StatusCode::OK, json!({"success": true})));
    let (_, listed) = sandbox.get(&path).await;
    assert_eq!(listed["data"][0]["callback_url"], callback.as_str());
}
