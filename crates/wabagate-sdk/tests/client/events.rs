//! The event stream and the forwarder against scripted servers: a stream that drops is
//! resumed with `Last-Event-ID` and repeats around the resume point are dropped; a
//! refusal ends it; a forwarded event verifies with the `standardwebhooks` crate, as a
//! receiver would check it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use wabagate_sdk::{Client, Error, Event, EventStreamOptions, Forwarder, StreamUpdate, WebhookSecret};

fn event(id: &str, kind: &str) -> String {
    let body = format!(r#"{{"type":"{kind}","timestamp":"2026-01-01T00:00:00Z","data":{{"connection_id":"c"}}}}"#);
    format!("id: {id}\ndata: {body}\n\n")
}

/// A stream that answers each connection with the next script (then closes it), and
/// keeps each connection's `Last-Event-ID`.
async fn scripted_stream(scripts: Vec<String>) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let scripts = Arc::new(Mutex::new(scripts.into_iter()));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_server = seen.clone();
    let app = Router::new().route(
        "/events/stream",
        get(move |headers: HeaderMap| {
            let (scripts, seen) = (scripts.clone(), seen_by_server.clone());
            async move {
                let last = headers.get("last-event-id").map(|value| value.to_str().unwrap().to_owned());
                seen.lock().unwrap().push(last);
                match scripts.lock().unwrap().next() {
                    Some(script) => ([("content-type", "text/event-stream")], script).into_response(),
                    None => (
                        StatusCode::UNAUTHORIZED,
                        [("content-type", "application/json")],
                        r#"{"error":{"message":"Invalid API key","type":"WabagateError","code":401,"gateway_code":"invalid_api_key"}}"#,
                    )
                        .into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base_url, seen)
}

fn quick() -> EventStreamOptions {
    EventStreamOptions {
        first_retry: Duration::from_millis(10),
        max_retry: Duration::from_millis(50),
        ..EventStreamOptions::default()
    }
}

fn client(base_url: &str) -> Client {
    Client::builder().base_url(base_url).api_key("wbg_test").build().unwrap()
}

#[tokio::test]
async fn a_dropped_stream_resumes_after_the_last_event_without_repeats() {
    let first = format!(": keep-alive\n\n{}{}", event("evt_1", "message.sent"), event("evt_2", "message.delivered"));
    // The gateway may send the resume point again; it is not given twice.
    let second = format!("retry: 20\n{}{}", event("evt_2", "message.delivered"), event("evt_3", "message.read"));
    let (base_url, seen) = scripted_stream(vec![first, second]).await;
    let mut stream = client(&base_url).events(quick());

    let mut events = Vec::new();
    let mut disconnects = 0;
    let error = loop {
        match stream.next().await {
            Ok(StreamUpdate::Event(event)) => events.push((event.id.clone(), event.kind().to_owned())),
            Ok(StreamUpdate::Disconnected { retry_in, .. }) => {
                assert!(retry_in <= Duration::from_millis(60), "{retry_in:?}");
                disconnects += 1;
            }
            Ok(StreamUpdate::Connected { .. }) => {}
            Err(error) => break error,
        }
    };
    let ids: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["evt_1", "evt_2", "evt_3"]);
    assert_eq!(events[2].1, "message.read");
    assert_eq!(disconnects, 2);
    assert_eq!(*seen.lock().unwrap(), [None, Some("evt_2".to_owned()), Some("evt_3".to_owned())]);
    // The third connection was refused with 401: reconnecting cannot fix that.
    assert!(matches!(&error, Error::Gateway(gateway) if gateway.gateway_code == "invalid_api_key"), "{error:?}");
    assert_eq!(stream.last_event_id(), Some("evt_3"));
}

#[tokio::test]
async fn a_stream_can_start_after_a_known_event() {
    let (base_url, seen) = scripted_stream(vec![event("evt_8", "message.read")]).await;
    let options = EventStreamOptions { last_event_id: Some("evt_7".into()), ..quick() };
    let mut stream = client(&base_url).events(options);
    let connected = stream.next().await.unwrap();
    assert_eq!(connected, StreamUpdate::Connected { resumed_after: Some("evt_7".into()) });
    assert!(matches!(stream.next().await.unwrap(), StreamUpdate::Event(event) if event.id == "evt_8"));
    assert_eq!(seen.lock().unwrap()[0].as_deref(), Some("evt_7"));
}

#[tokio::test]
async fn a_gateway_that_cannot_be_reached_is_retried_not_fatal() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut stream = client(&base_url).events(quick());
    for _ in 0..3 {
        assert!(matches!(stream.next().await.unwrap(), StreamUpdate::Disconnected { .. }));
    }
}

/// What a receiver got: the headers and the exact body.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receiver(status: StatusCode) -> (String, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push((headers, body));
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn a_forwarded_event_verifies_with_the_standardwebhooks_crate() {
    let (url, received) = receiver(StatusCode::NO_CONTENT).await;
    let secret = WebhookSecret::generate();
    let forwarder = Forwarder::new(&url, secret.clone()).unwrap();
    let raw = r#"{"type":"message.received","timestamp":"2026-01-01T00:00:00Z","data":{"raw":{"text":"é"}}}"#;
    let answer = forwarder.forward(&Event::parse("evt_42", raw).unwrap()).await.unwrap();
    assert_eq!(answer.status, 204);
    assert!(answer.is_success());

    let (headers, body) = received.lock().unwrap().pop().unwrap();
    assert_eq!(body, raw.as_bytes(), "the body is forwarded byte for byte");
    assert_eq!(headers["webhook-id"], "evt_42");
    assert!(headers.get("authorization").is_none(), "the API key never goes to the receiver");
    standardwebhooks::Webhook::new(secret.expose()).unwrap().verify(&body, &headers).unwrap();
    assert!(
        standardwebhooks::Webhook::new(WebhookSecret::generate().expose()).unwrap().verify(&body, &headers).is_err()
    );
}

#[tokio::test]
async fn a_refusing_receiver_is_an_answer_not_an_error_and_bad_urls_are_local() {
    let (url, _received) = receiver(StatusCode::MOVED_PERMANENTLY).await;
    let forwarder = Forwarder::new(&url, WebhookSecret::generate()).unwrap();
    let event = Event::parse("evt_1", r#"{"type":"webhook.test","timestamp":"t","data":{}}"#).unwrap();
    let answer = forwarder.forward(&event).await.unwrap();
    assert_eq!(answer.status, 301, "redirects are not followed");
    assert!(!answer.is_success());
    assert!(Forwarder::new("localhost:3000", WebhookSecret::generate()).unwrap_err().is_local());
}
