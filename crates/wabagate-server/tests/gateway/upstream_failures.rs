use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::support::{EchoUpstream, Options, ScriptedUpstream, TestApp, assert_gateway_error};

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let upstream = url::Url::parse(&format!("http://{closed}")).unwrap();
    let app = TestApp::spawn(&upstream).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    assert_gateway_error(response, 502, "upstream_unreachable").await;
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let upstream = EchoUpstream::start().await;
    let app =
        TestApp::spawn_with(Options { upstream_timeout: Duration::from_millis(300), ..Options::new(&upstream.url) })
            .await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let response = app.get("/whatsapp-business/slow/me", &key).send().await.unwrap();
    assert_gateway_error(response, 504, "upstream_timeout").await;
}

#[tokio::test]
async fn an_upload_longer_than_the_upstream_timeout_succeeds() {
    let upstream = EchoUpstream::start().await;
    let app =
        TestApp::spawn_with(Options { upstream_timeout: Duration::from_millis(500), ..Options::new(&upstream.url) })
            .await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    // 400 KB at 200 KB/s: a 2 s upload against a 0.5 s timeout for the answer.
    let chunks = futures_util::stream::iter(0..20).then(|_| async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![7u8; 20 * 1024]))
    });
    let started = Instant::now();
    let response = app
        .post("/whatsapp-business/v21.0/me/media", &key)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(upstream.requests()[0].body_len, 400 * 1024);
}

#[tokio::test]
async fn a_small_error_answer_whose_body_stalls_is_passed_on_within_the_timeout() {
    let upstream = ScriptedUpstream::start(|mut stream| async move {
        let head = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(br#"{"error":{"message":"Invalid OAuth"#).await.unwrap();
        // ...and the rest never comes.
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let app =
        TestApp::spawn_with(Options { upstream_timeout: Duration::from_secs(1), ..Options::new(&upstream.url) }).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    let started = Instant::now();
    let mut response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(started.elapsed() < Duration::from_secs(4), "answered after {:?}", started.elapsed());
    let first = response.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], br#"{"error":{"message":"Invalid OAuth"#, "the bytes read so far are passed on");
}

#[tokio::test]
async fn an_upstream_that_does_not_speak_http_is_a_bad_upstream_answer() {
    let upstream = ScriptedUpstream::start(|mut stream| async move {
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
    })
    .await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    assert_gateway_error(response, 502, "bad_upstream_answer").await;
}

#[tokio::test]
async fn an_answer_sent_before_the_upstream_read_the_body_reaches_the_caller() {
    // Like Meta refusing a large upload for an unknown phone number id: the upstream answers
    // without reading the body and closes (with the body unread, the kernel resets).
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    for attempt in 0..20 {
        let response = app
            .post("/whatsapp-business/refuse-early/1999999999999999/media", &key)
            .body(vec![b'x'; 1024 * 1024])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 400, "attempt {attempt}: {body}");
        assert!(body.contains("GraphMethodException"), "attempt {attempt}: {body}");
    }
}

#[tokio::test]
async fn the_sandbox_refusing_a_large_body_for_an_unknown_number_reaches_the_caller() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = wabagate_sandbox::spawn(wabagate_sandbox::SandboxConfig::default(), listener).await.unwrap();
    let app = TestApp::spawn(&url::Url::parse(&sandbox.base_url()).unwrap()).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection_with_token(&account, &[], &sandbox.demo().access_token).await;

    for attempt in 0..20 {
        let response = app
            .post("/whatsapp-business/v21.0/1999999999999999/messages", &key)
            .header("content-type", "application/json")
            .body(vec![b' '; 1024 * 1024])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!((400..500).contains(&status), "attempt {attempt}: {status} {body}");
        assert!(body.contains("OAuthException") || body.contains("GraphMethodException"), "attempt {attempt}: {body}");
    }
}
