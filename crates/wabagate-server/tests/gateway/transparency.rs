//! The proxy changes nothing it should not: method, path, query, body and upstream answers
//! pass unchanged; only credentials and hop-by-hop headers are rewritten.

use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{EchoUpstream, META_TOKEN, TestApp, pattern_byte};

#[tokio::test]
async fn the_upstream_sees_the_stored_token_and_never_the_api_key() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    let connection = app.active_connection(&account, &[]).await;

    let response = app
        .post("/whatsapp-business/v21.0/1000000000001000/messages", &key)
        .header("Maton-Connection", connection.to_string())
        .header("Content-Type", "application/json")
        .header("Connection", "keep-alive, X-Hop")
        .header("X-Hop", "should not pass")
        .header("X-Custom", "kept")
        .body(r#"{"messaging_product":"whatsapp"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let seen = &upstream.requests()[0];
    assert_eq!(seen.header("authorization"), Some(format!("Bearer {META_TOKEN}").as_str()));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("x-custom"), Some("kept"));
    assert_eq!(
        seen.header("host"),
        Some(upstream.url.host_str().map(|host| format!("{host}:{}", upstream.url.port().unwrap())).unwrap().as_str())
    );
    for dropped in ["maton-connection", "x-hop"] {
        assert_eq!(seen.header(dropped), None, "{dropped} must not reach the upstream");
    }
    for (name, value) in &seen.headers {
        assert!(!value.contains(&key), "the API key leaked upstream in {name}");
    }
}

#[tokio::test]
async fn method_path_query_and_body_arrive_exactly() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    let body = r#"{"messaging_product":"whatsapp","to":"1234567890","type":"text","text":{"body":"héllo"}}"#;
    for method in ["GET", "POST", "DELETE"] {
        let response = app
            .client
            .request(
                method.parse().unwrap(),
                app.url("/whatsapp-business/v21.0/1000/message_templates?name=a%20b&limit=2&fields[]=x"),
            )
            .bearer_auth(&key)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{method}");
        let echoed: Value = response.json().await.unwrap();
        assert_eq!(echoed["method"], method);
        assert_eq!(echoed["path_and_query"], "/v21.0/1000/message_templates?name=a%20b&limit=2&fields[]=x");
        assert_eq!(echoed["body_len"], body.len());
        assert_eq!(echoed["body_sha256"], hex::encode(Sha256::digest(body)));
    }
}

#[tokio::test]
async fn a_large_chunked_upload_streams_through_intact() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    const SIZE: u64 = 48 * 1024 * 1024;
    let chunks = futures_util::stream::iter((0..SIZE).step_by(256 * 1024)).map(|start| {
        let end = (start + 256 * 1024).min(SIZE);
        Ok::<_, std::io::Error>((start..end).map(pattern_byte).collect::<Vec<u8>>())
    });
    let mut expected = Sha256::new();
    for start in (0..SIZE).step_by(1 << 20) {
        expected.update((start..(start + (1 << 20)).min(SIZE)).map(pattern_byte).collect::<Vec<u8>>());
    }
    let response = app
        .post("/whatsapp-business/v21.0/1000/media", &key)
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let echoed: Value = response.json().await.unwrap();
    assert_eq!(echoed["body_len"], SIZE);
    assert_eq!(echoed["body_sha256"], hex::encode(expected.finalize()));
}

#[tokio::test]
async fn a_large_download_streams_back_intact() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    const SIZE: u64 = 48 * 1024 * 1024;
    let response = app.get(&format!("/whatsapp-business/bytes/{SIZE}"), &key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/octet-stream");
    let mut body = response.bytes_stream();
    let mut offset = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        for (index, byte) in chunk.iter().enumerate() {
            assert_eq!(*byte, pattern_byte(offset + index as u64), "byte {}", offset + index as u64);
        }
        offset += chunk.len() as u64;
    }
    assert_eq!(offset, SIZE);
}

#[tokio::test]
async fn a_trailing_slash_is_forwarded_as_sent() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    let response = app.get("/whatsapp-business/v21.0/1000000000001000/?fields=id", &key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let echoed: Value = response.json().await.unwrap();
    assert_eq!(echoed["path_and_query"], "/v21.0/1000000000001000/?fields=id");
    let refused = app.get("/whatsapp-business/v21.0/1000000000001000//", &key).send().await.unwrap();
    assert_eq!(refused.status(), 400, "one trailing slash, not an empty segment");
}
