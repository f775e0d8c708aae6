//! No token or API key in a response, a log line or an error.
//!
//! A test binary of its own: the log subscriber is process-global here, so every line the
//! server writes (on any thread) is captured.

#![allow(unreachable_pub, dead_code, reason = "the support module is shared with the gateway tests")]

#[path = "../gateway/support.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::{EchoUpstream, META_TOKEN, TestApp};

#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tokens_and_keys_never_appear_in_logs_or_responses() {
    let log = CapturedLog::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    let connection = app.active_connection(&account, &["111"]).await;

    let mut answers = Vec::new();
    for (method, path, connection_header) in [
        ("POST", "/whatsapp-business/v21.0/111/messages", None),
        ("POST", "/whatsapp-business/graph-error/messages", None),
        ("GET", "/whatsapp-business/v21.0/me", Some(connection.to_string())),
        ("GET", "/whatsapp-business/v21.0/me", Some("garbage".to_owned())),
        ("GET", "/whatsapp-business/..%2fadmin", None),
        ("GET", "/connections", None),
        ("GET", &format!("/connections/{connection}"), None),
        ("GET", "/nowhere", None),
    ] {
        let mut request = app.client.request(method.parse().unwrap(), app.url(path)).bearer_auth(&key).body("{}");
        if let Some(header) = connection_header {
            request = request.header("Maton-Connection", header);
        }
        let response = request.send().await.unwrap();
        answers.push(format!("{:?}", response.headers()));
        answers.push(response.text().await.unwrap());
    }
    let wrong_key = app.get("/connections", &format!("{key}x")).send().await.unwrap();
    answers.push(wrong_key.text().await.unwrap());
    drop(app);

    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("request"), "the access log was captured: {logged}");
    assert!(logged.contains(&connection.to_string()), "the access log names the connection");
    for secret in [META_TOKEN, key.as_str(), &key[4..]] {
        assert!(!logged.contains(secret), "a secret leaked into the log");
        for answer in &answers {
            assert!(!answer.contains(secret), "a secret leaked into a response: {answer}");
        }
    }
}
