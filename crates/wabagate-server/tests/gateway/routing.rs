use serde_json::Value;

use crate::support::{EchoUpstream, META_TOKEN, TestApp, assert_gateway_error};

#[tokio::test]
async fn without_a_header_the_oldest_active_connection_carries_the_request() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.store
        .create_connection(account.account_id, "whatsapp-business", std::time::Duration::from_secs(3600))
        .await
        .unwrap();
    app.active_connection_with_token(&account, &[], "EAAGoldest").await;
    app.active_connection_with_token(&account, &[], "EAAGnewer").await;

    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(upstream.requests()[0].header("authorization"), Some("Bearer EAAGoldest"));
}

#[tokio::test]
async fn maton_connection_picks_the_named_connection() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection_with_token(&account, &[], "EAAGfirst").await;
    let second = app.active_connection_with_token(&account, &[], "EAAGsecond").await;

    let response = app
        .get("/whatsapp-business/v21.0/me", &key)
        .header("Maton-Connection", second.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = &upstream.requests()[0];
    assert_eq!(seen.header("authorization"), Some("Bearer EAAGsecond"));
    assert_eq!(seen.header("maton-connection"), None);
}

#[tokio::test]
async fn a_phone_number_in_the_path_routes_to_the_connection_that_owns_it() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection_with_token(&account, &["111"], "EAAGfirst").await;
    app.active_connection_with_token(&account, &["222"], "EAAGsecond").await;

    app.post("/whatsapp-business/v21.0/222/messages", &key).body("{}").send().await.unwrap();
    assert_eq!(upstream.requests()[0].header("authorization"), Some("Bearer EAAGsecond"));
}

#[tokio::test]
async fn connections_that_cannot_carry_requests_are_named_with_what_to_do() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (_, key) = app.account_with_key("acme").await;

    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    let message = assert_gateway_error(response, 400, "missing_connection").await;
    assert!(message.contains("POST /connections"), "{message}");

    let pending = app.create_connection(&key).await;
    let response = app
        .get("/whatsapp-business/v21.0/me", &key)
        .header("Maton-Connection", pending["connection_id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let message = assert_gateway_error(response, 400, "connection_not_active").await;
    assert!(message.contains("is PENDING") && message.contains("open the connection's url"), "{message}");
    // Without the header, the only connection is named all the same: it is the one to finish.
    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    let message = assert_gateway_error(response, 400, "connection_not_active").await;
    assert!(message.contains("is PENDING"), "{message}");

    let response =
        app.get("/whatsapp-business/v21.0/me", &key).header("Maton-Connection", "nope").send().await.unwrap();
    assert_gateway_error(response, 400, "invalid_connection_id").await;
    let response = app
        .get("/whatsapp-business/v21.0/me", &key)
        .header("Maton-Connection", uuid::Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_gateway_error(response, 404, "connection_not_found").await;
    assert!(upstream.requests().is_empty());
}

#[tokio::test]
async fn a_deleted_connection_stops_carrying_requests_at_once() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    let connection = app.active_connection(&account, &[]).await;
    assert_eq!(app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status(), 200);

    app.delete(&format!("/connections/{connection}"), &key).send().await.unwrap();
    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    assert_gateway_error(response, 400, "missing_connection").await;
}

#[tokio::test]
async fn a_path_without_the_app_prefix_gets_a_404_naming_the_prefix() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (_, key) = app.account_with_key("acme").await;
    let response = app.get("/v21.0/PHONE_NUMBER_ID/messages", &key).send().await.unwrap();
    let message = assert_gateway_error(response, 404, "unknown_route").await;
    assert!(message.contains("/whatsapp-business/"), "{message}");
}

#[tokio::test]
async fn paths_that_could_leave_the_upstream_are_refused_and_never_forwarded() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    // Sent over a raw socket, as written: HTTP clients would normalise some of them away.
    for raw_path in [
        "/whatsapp-business/..%2f..%2fadmin",
        "/whatsapp-business/%2e%2e/admin",
        "/whatsapp-business//evil.example/v21.0/me",
        "/whatsapp-business/v21.0/me@evil.example",
        "/whatsapp-business/v21.0%2fme",
        "/whatsapp-business/v21.0/me%00",
        "/whatsapp-business/v21.0/..",
        "/whatsapp-business/../admin",
        "/whatsapp-business/v21.0/./me",
        "/whatsapp-business/",
        "http://evil.example/whatsapp-business/v21.0/me",
    ] {
        let answer = raw_http_get(app.addr, raw_path, &key).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{raw_path}: {answer}");
        assert!(answer.contains(r#""gateway_code":"invalid_path""#), "{raw_path}: {answer}");
    }
    assert!(upstream.requests().is_empty(), "refused paths never reach the upstream");
}

async fn raw_http_get(addr: std::net::SocketAddr, target: &str, key: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn the_upstream_error_body_status_and_headers_come_back_unchanged() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let response = app.post("/whatsapp-business/graph-error/messages", &key).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-fb-trace-id"], "Abc123");
    let body = response.text().await.unwrap();
    assert_eq!(
        body,
        r#"{"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030,"fbtrace_id":"Abc123"}}"#
    );
    let _: Value = serde_json::from_str(&body).unwrap();
    let _ = META_TOKEN;
}
