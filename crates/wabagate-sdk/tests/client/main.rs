//! The SDK against a scripted HTTP server on 127.0.0.1: retries (idempotent calls on 429
//! and 5xx, honouring Retry-After; sends only when asked), the headers every call carries,
//! and how answers become errors.

mod events;
mod ledger;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::any;
use wabagate_sdk::{Client, Error, Message, RetryPolicy};

/// A server that fails the first `failures` calls with `status` (and `Retry-After: 1` on
/// 429), then answers `ok_body`; it counts calls and keeps the last request's headers.
struct Scripted {
    base_url: String,
    calls: Arc<AtomicUsize>,
    last_headers: Arc<std::sync::Mutex<HeaderMap>>,
}

async fn scripted(failures: usize, status: u16, ok_body: &'static str) -> Scripted {
    let calls = Arc::new(AtomicUsize::new(0));
    let last_headers = Arc::new(std::sync::Mutex::new(HeaderMap::new()));
    let (counter, seen) = (calls.clone(), last_headers.clone());
    let app = Router::new().fallback(any(move |headers: HeaderMap| {
        let (counter, seen) = (counter.clone(), seen.clone());
        async move {
            *seen.lock().unwrap() = headers;
            let call = counter.fetch_add(1, Ordering::SeqCst);
            if call < failures {
                let status = StatusCode::from_u16(status).unwrap();
                let body = r#"{"error":{"message":"Rate limit exceeded","type":"WabagateError","code":429,"gateway_code":"rate_limited"}}"#;
                (status, [("retry-after", "1"), ("content-type", "application/json")], body).into_response()
            } else {
                ([("content-type", "application/json")], ok_body).into_response()
            }
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Scripted { base_url, calls, last_headers }
}

fn client(base_url: &str, retry_sends: bool) -> Client {
    let quick = RetryPolicy { base_delay: Duration::from_millis(10), ..RetryPolicy::default() };
    Client::builder()
        .base_url(base_url)
        .api_key("wbg_test")
        .connection_id("21fd90f9-5935-43cd-b6c8-bde9d915ca80")
        .retry_policy(quick)
        .retry_sends(retry_sends)
        .build()
        .unwrap()
}

const SENT: &str = r#"{"messaging_product":"whatsapp","contacts":[{"input":"1234567890","wa_id":"1234567890"}],"messages":[{"id":"wamid.A"}]}"#;
const PHONE: &str = r#"{"id":"106540352242922","display_phone_number":"+1 555-0100"}"#;

#[tokio::test]
async fn idempotent_calls_are_retried_on_429_honouring_retry_after() {
    let server = scripted(1, 429, PHONE).await;
    let started = Instant::now();
    let number = client(&server.base_url, false).phone_number("106540352242922").await.unwrap();
    assert_eq!(number.display_phone_number.as_deref(), Some("+1 555-0100"));
    assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for Retry-After");
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_5xx_until_the_retries_run_out() {
    let server = scripted(10, 503, PHONE).await;
    let error = client(&server.base_url, false).phone_number("1").await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(server.calls.load(Ordering::SeqCst), 4, "one attempt and three retries");
}

#[tokio::test]
async fn sends_are_not_retried_unless_asked() {
    let server = scripted(1, 503, SENT).await;
    let message = Message::text("1234567890", "hi").build().unwrap();
    let error = client(&server.base_url, false).send("106540352242922", &message).await.unwrap_err();
    assert!(matches!(error, Error::Gateway(_)), "{error:?}");
    assert_eq!(server.calls.load(Ordering::SeqCst), 1);

    let server = scripted(1, 503, SENT).await;
    let sent = client(&server.base_url, true).send("106540352242922", &message).await.unwrap();
    assert_eq!(sent.message_id(), Some("wamid.A"));
    assert_eq!(server.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn every_call_carries_the_key_and_the_connection() {
    let server = scripted(0, 200, PHONE).await;
    client(&server.base_url, false).phone_number("1").await.unwrap();
    let headers = server.last_headers.lock().unwrap().clone();
    assert_eq!(headers["authorization"], "Bearer wbg_test");
    assert_eq!(headers["maton-connection"], "21fd90f9-5935-43cd-b6c8-bde9d915ca80");
}

#[tokio::test]
async fn a_2xx_body_of_the_wrong_shape_is_an_unexpected_body() {
    let server = scripted(0, 200, r#"{"nope":true}"#).await;
    let error = client(&server.base_url, false).phone_number("1").await.unwrap_err();
    assert!(matches!(error, Error::UnexpectedBody { status: 200, .. }), "{error:?}");
}

#[tokio::test]
async fn local_validation_fails_before_any_request() {
    let server = scripted(0, 200, SENT).await;
    let client = client(&server.base_url, false);
    assert!(matches!(
        client.send("", &Message::text("1234567890", "hi").build().unwrap()).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(client.mark_read("1", "").await, Err(Error::Invalid(_))));
    assert!(matches!(client.delete_template("1", "Bad Name").await, Err(Error::Invalid(_))));
    assert_eq!(server.calls.load(Ordering::SeqCst), 0);
}
