//! `wabagate webhooks …` and `wabagate listen` against a real `serve --demo` and a real
//! receiver on 127.0.0.1:0: subscriptions made, changed and deleted, their deliveries
//! signed (checked with the `standardwebhooks` crate, both secrets during a rotation),
//! listed and replayed with the same `webhook-id`; `listen --forward-to` delivering a
//! sent message's statuses and a customer's message, signed, and resuming after the
//! gateway was killed and restarted.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout};

use crate::support::DemoGateway;

/// Receivers on this machine are refused unless the gateway is told otherwise.
const LOCAL_RECEIVERS: [&str; 2] = ["--webhook-allow-http", "--webhook-allow-private"];

/// A local endpoint that keeps what it received and answers 200.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

impl Receiver {
    async fn start() -> Self {
        let received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
        let kept = received.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let kept = kept.clone();
                async move {
                    kept.lock().unwrap().push((headers, body));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, received }
    }

    /// Waits (polling, at most 20 s) until a delivery passes `wanted`, and returns it.
    async fn wait_for(&self, what: &str, wanted: impl Fn(&Value) -> bool) -> (HeaderMap, Bytes, Value) {
        for _ in 0..200 {
            let found = self.received.lock().unwrap().iter().find_map(|(headers, body)| {
                let event: Value = serde_json::from_slice(body).ok()?;
                wanted(&event).then(|| (headers.clone(), body.clone(), event))
            });
            if let Some(found) = found {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no {what} arrived; received: {:?}", self.received.lock().unwrap());
    }

    fn count(&self, wanted: impl Fn(&HeaderMap, &Value) -> bool) -> usize {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .filter(|(headers, body)| serde_json::from_slice(body).is_ok_and(|event| wanted(headers, &event)))
            .count()
    }
}

fn verifies(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    standardwebhooks::Webhook::new(secret).unwrap().verify(body, headers).is_ok()
}

fn of_type(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |event| event["type"] == kind
}

/// Makes the customer 1234567890 write `text` to the demo number; answers the wamid.
async fn customer_writes(gateway: &DemoGateway, text: &str) -> String {
    let url = format!("{}/__sandbox/inbound", gateway.sandbox_url);
    let body =
        json!({"from": "1234567890", "profile_name": "Ana", "message": {"type": "text", "text": {"body": text}}});
    let answer: Value = reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    answer["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn webhooks_are_created_listed_changed_tested_replayed_rotated_and_deleted() {
    let gateway = DemoGateway::start_with(&LOCAL_RECEIVERS).await;
    let receiver = Receiver::start().await;

    let created = gateway
        .run(&["webhooks", "create", "--endpoint", &receiver.url, "--events", "message.*,webhook.test", "--json"])
        .await;
    let created = created.json();
    let id = created["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = created["webhook"]["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");

    let listed = gateway.run(&["webhooks", "list"]).await;
    let listed = listed.ok();
    assert!(listed.starts_with("ID") && listed.contains(&id) && listed.contains("message.*,webhook.test"), "{listed}");
    assert!(!listed.contains(&secret), "a listing never shows the secret");
    let shown = gateway.run(&["webhooks", "get", &id]).await;
    let shown = shown.ok();
    assert!(shown.contains("url:") && shown.contains(&receiver.url) && shown.contains("all"), "{shown}");

    let updated = gateway.run(&["webhooks", "update", &id, "--description", "the bot", "--disable"]).await;
    let updated = updated.ok();
    assert!(updated.contains("disabled") && updated.contains("the bot"), "{updated}");
    assert!(
        gateway.run(&["webhooks", "update", &id, "--enable", "--json"]).await.json()["webhook"]["status"] == "active"
    );

    // A test event arrives signed with the secret shown at creation.
    let tested = gateway.run(&["webhooks", "test", &id]).await;
    assert!(tested.ok().starts_with("Queued a webhook.test event"), "{}", tested.stdout);
    let (headers, body, _) = receiver.wait_for("webhook.test", of_type("webhook.test")).await;
    assert!(verifies(&secret, &headers, &body), "{headers:?}");
    let webhook_id = headers["webhook-id"].to_str().unwrap().to_owned();

    // The log shows it delivered; replaying it sends the same webhook-id again.
    let mut deliveries = Value::Null;
    for _ in 0..100 {
        deliveries = gateway.run(&["webhooks", "deliveries", &id, "--json"]).await.json();
        if deliveries["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivery = &deliveries["deliveries"][0];
    assert_eq!(delivery["status"], "delivered", "{deliveries}");
    let table = gateway.run(&["webhooks", "deliveries", &id]).await;
    let table = table.ok();
    assert!(table.starts_with("CREATED") && table.contains("webhook.test") && table.contains("200 in "), "{table}");
    let delivery_id = delivery["id"].as_str().unwrap();
    let replayed = gateway.run(&["webhooks", "replay", &id, delivery_id]).await;
    assert!(replayed.ok().starts_with(&format!("Queued delivery {delivery_id}")), "{}", replayed.stdout);
    for _ in 0..200 {
        if receiver.count(|headers, _| headers["webhook-id"] == webhook_id.as_str()) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(receiver.count(|headers, _| headers["webhook-id"] == webhook_id.as_str()), 2, "the replay keeps the id");
    let range = gateway.run(&["webhooks", "replay", &id, "--status", "delivered", "--json"]).await.json();
    assert!(range["queued"].as_u64().unwrap() >= 1, "{range}");

    // After a rotation, deliveries carry both signatures: each secret verifies them.
    let rotated = gateway.run(&["webhooks", "rotate-secret", &id, "--json"]).await.json();
    let new_secret = rotated["webhook"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let before = receiver.count(|_, event| event["type"] == "webhook.test");
    gateway.run(&["webhooks", "test", &id]).await.ok();
    for _ in 0..200 {
        if receiver.count(|_, event| event["type"] == "webhook.test") > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (headers, body) = receiver.received.lock().unwrap().last().cloned().unwrap();
    assert!(verifies(&secret, &headers, &body) && verifies(&new_secret, &headers, &body), "{headers:?}");

    let deleted = gateway.run(&["webhooks", "delete", &id]).await;
    assert_eq!(deleted.ok(), format!("Deleted webhook {id}.\n"));
    let stderr = gateway.run(&["webhooks", "get", &id]).await.failed_with(1).to_owned();
    assert!(stderr.contains("404"), "{stderr}");
}

#[tokio::test]
async fn webhook_mistakes_are_refused_in_command_line_terms() {
    let gateway = DemoGateway::start().await;
    let outcome = gateway
        .run(&["webhooks", "create", "--endpoint", "https://bot.example.com/wa", "--events", "message.seen"])
        .await;
    let stderr = outcome.failed_with(2);
    assert!(stderr.contains("unknown event type \"message.seen\"") && stderr.contains("message.received"), "{stderr}");
    let stderr =
        gateway.run(&["webhooks", "update", "0b9e0b5e-4f59-4c3f-8a52-1f7d7e3c1a10"]).await.failed_with(2).to_owned();
    assert!(stderr.contains("nothing to change"), "{stderr}");
    // Without --webhook-allow-http the gateway refuses a plain-http endpoint.
    let outcome = gateway.run(&["webhooks", "create", "--endpoint", "http://127.0.0.1:9/hook", "--events", "*"]).await;
    let stderr = outcome.failed_with(1);
    assert!(stderr.contains("invalid_webhook_url"), "{stderr}");
    let stderr = gateway.run(&["webhooks", "replay", "x", "y", "--since", "2026-01-01T00:00:00Z"]).await;
    assert!(stderr.failed_with(2).contains("cannot be used with"), "{}", stderr.stderr);
}

/// A running `wabagate listen`: its stdout lines and stderr lines.
struct Listening {
    _child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Lines<BufReader<ChildStderr>>,
}

impl Listening {
    async fn start(gateway: &DemoGateway, args: &[&str]) -> Self {
        let mut command = crate::process::wabagate();
        command
            .env("WABAGATE_URL", &gateway.base_url)
            .env("WABAGATE_API_KEY", &gateway.api_key)
            .arg("listen")
            .args(args);
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut listening = Self { _child: child, stdout, stderr };
        listening.stderr_until("Listening for events at").await;
        listening
    }

    /// Reads stderr until a line contains `marker`; every line read, in order.
    async fn stderr_until(&mut self, marker: &str) -> Vec<String> {
        let mut lines = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = self.stderr.next_line().await.unwrap() {
                let found = line.contains(marker);
                lines.push(line);
                if found {
                    return;
                }
            }
            panic!("listen ended; stderr: {lines:?}");
        })
        .await
        .unwrap_or_else(|_| panic!("no {marker:?} on stderr within a minute: {lines:?}"));
        lines
    }

    async fn next_line(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .expect("an event line within 30 s")
            .unwrap()
            .expect("listen is still running")
    }
}

#[tokio::test]
async fn listen_forwards_a_sent_messages_statuses_and_a_customers_message_signed() {
    let gateway = DemoGateway::start().await;
    let receiver = Receiver::start().await;
    let mut command = crate::process::wabagate();
    command.env("WABAGATE_URL", &gateway.base_url).env("WABAGATE_API_KEY", &gateway.api_key).args([
        "listen",
        "--events",
        "message.*",
        "--forward-to",
        &receiver.url,
    ]);
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut listening = Listening {
        stdout: BufReader::new(child.stdout.take().unwrap()).lines(),
        stderr: BufReader::new(child.stderr.take().unwrap()).lines(),
        _child: child,
    };
    let banner = listening.stderr_until("Listening for events at").await;
    let secret_line = banner.iter().position(|line| line.starts_with("Forwarding events to")).expect("the banner");
    let secret = banner[secret_line + 1].trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{banner:?}");

    let sent = gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi", "--json"]).await.json();
    let wamid = sent["messages"][0]["id"].as_str().unwrap().to_owned();
    let inbound = customer_writes(&gateway, "hello bot").await;

    for kind in ["message.sent", "message.delivered", "message.read"] {
        let (headers, body, event) = receiver
            .wait_for(kind, |event| event["type"] == kind && event["data"]["message"]["id"] == wamid.as_str())
            .await;
        assert!(verifies(&secret, &headers, &body), "{kind}: {headers:?}");
        let webhook_id = headers["webhook-id"].to_str().unwrap();
        assert!(
            webhook_id.starts_with("evt_"),
            "forwarded under the event's own id, as a subscription would: {webhook_id}"
        );
        assert_eq!(event["data"]["phone_number_id"], gateway.phone_number_id.as_str());
    }
    let (headers, body, event) =
        receiver.wait_for("message.received", |event| event["type"] == "message.received").await;
    assert!(verifies(&secret, &headers, &body));
    assert_eq!(event["data"]["message"]["id"], inbound.as_str());
    let another = wabagate_sdk::WebhookSecret::generate();
    assert!(!verifies(another.expose(), &headers, &body), "another secret does not verify");

    let mut lines = Vec::new();
    while lines.len() < 4 {
        lines.push(listening.next_line().await);
    }
    let received = lines.iter().find(|line| line.contains("message.received")).expect("a line per event");
    assert!(received.contains(&inbound) && received.contains("from 1234567890"), "{lines:?}");
    assert!(received.contains("\"hello bot\"") && received.contains("-> 200 in "), "{lines:?}");
}

#[tokio::test]
async fn listen_resumes_after_the_gateway_restarts_without_a_gap() {
    let mut gateway = DemoGateway::start().await;
    let mut listening = Listening::start(&gateway, &["--events", "message.received", "--json"]).await;
    let first = customer_writes(&gateway, "before").await;
    let line: Value = serde_json::from_str(&listening.next_line().await).unwrap();
    assert_eq!(line["data"]["message"]["id"], first.as_str());

    gateway.restart(&[]).await;
    // Written as soon as the gateway is back, most likely before `listen` has reconnected
    // (its backoff has grown while the gateway was down): the resume brings it.
    let second = customer_writes(&gateway, "while away").await;
    let third = customer_writes(&gateway, "after").await;
    listening.stderr_until("Reconnected; resuming after event").await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let line: Value = serde_json::from_str(&listening.next_line().await).unwrap();
        seen.push(line["data"]["message"]["id"].as_str().unwrap().to_owned());
    }
    // Two webhooks of the sandbox may be applied in either order; each arrives once.
    seen.sort();
    let mut expected = [second, third];
    expected.sort();
    assert_eq!(seen, expected, "every event once");
}
