//! Outbound events: subscriptions, signed deliveries from the durable outbox with retries
//! and replays, and the event stream. Meta's webhooks are signed bodies posted to
//! `/meta/webhooks` (and, once, the sandbox's own deliveries of a real send); the sandbox's
//! clock is the gateway's, so retry schedules are tested by moving it, not by waiting. The
//! receiver is a local server on port 0 that answers what it is told to.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;
use url::Url;
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_APP_ID, DEMO_WABA_ID};
use wabagate_sandbox::webhooks::{AppWebhook, DeliverySettings};
use wabagate_sandbox::{SandboxConfig, SandboxHandle, SandboxState};
use wabagate_server::clock::{Clock, SharedClock};
use wabagate_server::config::{DestinationPolicy, MetaApp, WebhookConfig};
use wabagate_store::{Account, Timestamp};

use crate::support::{Options, TestApp, assert_gateway_error};

const SECRET: &str = "outbound-test-app-secret";
/// The sandbox's demo numbers, so a send through the gateway is answered and its statuses
/// come back as Meta's webhooks.
const NUMBER: &str = "1000000000001000";
const OTHER_NUMBER: &str = "1000000000001001";
const CUSTOMER: &str = "15551234567";

struct SandboxClock(SandboxState);

impl Clock for SandboxClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(self.0.clock().now())
    }
}

/// What the receiver got: headers and body of one POST.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> String {
        self.headers.get(name).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Answers to give, in order; 200 once they run out.
    script: VecDeque<(u16, Vec<(&'static str, &'static str)>)>,
}

/// A webhook endpoint on 127.0.0.1:0 that fails on command.
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let shared = state.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let shared = shared.clone();
                async move {
                    let mut state = shared.lock().unwrap();
                    state.received.push(Received { headers, body: body.to_vec() });
                    let (status, headers) = state.script.pop_front().unwrap_or((200, Vec::new()));
                    let mut response = axum::response::Response::new(axum::body::Body::from("thanks"));
                    *response.status_mut() = StatusCode::from_u16(status).unwrap();
                    for (name, value) in headers {
                        response.headers_mut().insert(name, value.parse().unwrap());
                    }
                    response
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, state, task }
    }

    fn answer(&self, status: u16, times: usize) {
        let mut state = self.state.lock().unwrap();
        for _ in 0..times {
            state.script.push_back((status, Vec::new()));
        }
    }

    fn answer_with(&self, status: u16, headers: Vec<(&'static str, &'static str)>) {
        self.state.lock().unwrap().script.push_back((status, headers));
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits (in real time, briefly) until `count` POSTs arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        // Up to 90 s, for the thousand events of several instances on a loaded machine; most
        // waits are short.
        for _ in 0..3600 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the receiver got {} deliveries, not {count}", self.received().len());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A gateway whose clock is a sandbox's, with account `acme` owning two numbers.
struct World {
    sandbox: SandboxHandle,
    app: TestApp,
    account: Account,
    key: String,
}

impl World {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let delivery = DeliverySettings {
            sent_after: Duration::from_millis(5),
            delivered_after: Duration::from_millis(10),
            read_after: Duration::from_millis(10),
            ..DeliverySettings::default()
        };
        let config = SandboxConfig { webhook_delivery: delivery, ..SandboxConfig::default() };
        let sandbox = wabagate_sandbox::spawn(config, listener).await.unwrap();
        let upstream = Url::parse(&sandbox.base_url()).unwrap();
        let mut options = Options::new(&upstream);
        options.meta_app = Some(MetaApp {
            app_id: DEMO_APP_ID.to_owned(),
            app_secret: SECRET.to_owned(),
            config_id: None,
            oauth_base: upstream.clone(),
        });
        options.webhooks = Some(WebhookConfig { verify_token: Some("verify".to_owned()), ..WebhookConfig::default() });
        options.clock = Some(SharedClock::new(SandboxClock(sandbox.state().clone())));
        // Receivers are on loopback, over http.
        options.outbound = Some(DestinationPolicy { allow_http: true, allow_private: true });
        let app = TestApp::spawn_with(options).await;
        sandbox.state().webhooks().configs().set(
            DEMO_APP_ID,
            AppWebhook {
                callback_url: app.url("/meta/webhooks"),
                verify_token: "verify".to_owned(),
                app_secret: Some(SECRET.to_owned()),
            },
        );
        let (account, key) = app.account_with_key("acme").await;
        let metadata = json!({"waba_ids": [DEMO_WABA_ID], "phone_numbers": [{"id": NUMBER}, {"id": OTHER_NUMBER}]});
        app.store
            .create_active_connection(
                account.account_id,
                "whatsapp-business",
                &wabagate_store::AccessToken::new(DEMO_ACCESS_TOKEN),
                metadata,
            )
            .await
            .unwrap();
        Self { sandbox, app, account, key }
    }

    /// Another gateway on this one's database, key and clock, as another instance behind a
    /// load balancer.
    async fn second_instance(&self) -> TestApp {
        let upstream = Url::parse(&self.sandbox.base_url()).unwrap();
        let mut options = self.app.beside(&upstream);
        options.meta_app = self.app.state.config().meta_app.clone();
        options.webhooks = Some(WebhookConfig { verify_token: Some("verify".to_owned()), ..WebhookConfig::default() });
        options.clock = Some(SharedClock::new(SandboxClock(self.sandbox.state().clone())));
        options.outbound = Some(DestinationPolicy { allow_http: true, allow_private: true });
        TestApp::spawn_with(options).await
    }

    fn advance(&self, seconds: u64) {
        self.sandbox.state().clock().advance(seconds);
    }

    async fn subscribe(&self, body: Value) -> Value {
        let response = self.app.post("/webhooks", &self.key).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["webhook"].clone()
    }

    async fn deliveries(&self, webhook_id: &str) -> Vec<Value> {
        let page: Value = self
            .app
            .get(&format!("/webhooks/{webhook_id}/deliveries"), &self.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["deliveries"].as_array().unwrap().clone()
    }

    /// Waits until the newest delivery of `webhook_id` is in `status`.
    async fn wait_for_status(&self, webhook_id: &str, status: &str) -> Value {
        for _ in 0..200 {
            let deliveries = self.deliveries(webhook_id).await;
            if let Some(first) = deliveries.first()
                && first["status"] == status
            {
                return first.clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no delivery reached {status}: {:?}", self.deliveries(webhook_id).await);
    }
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts a body signed with the app secret, as Meta would.
async fn meta_posts(app: &TestApp, body: &Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let response = app
        .client
        .post(app.url("/meta/webhooks"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(&bytes))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

fn inbound_body(phone_number_id: &str, wamid: &str) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550100009",
        "phone_number_id": phone_number_id}, "contacts": [{"profile": {"name": "Ana"}, "wa_id": CUSTOMER}],
        "messages": [{"from": CUSTOMER, "id": wamid, "timestamp": "1750000000", "type": "text", "text": {"body": "hi"}}]}}]}]})
}

fn verify(secret: &str, received: &Received) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&received.body, &received.headers)
        .unwrap_or_else(|error| panic!("the signature does not verify: {error:?}"));
}

fn seconds_between(earlier: &Value, later: &Value) -> f64 {
    let parse = |value: &Value| {
        time::OffsetDateTime::parse(value.as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap()
    };
    (parse(later) - parse(earlier)).as_seconds_f64()
}

#[tokio::test]
async fn an_inbound_message_reaches_the_endpoint_signed_with_the_documented_body() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.*"], "description": "bot"})).await;
    let secret = webhook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(webhook["status"], "active");
    assert_eq!(webhook["events"], json!(["message.*"]));
    assert_eq!(webhook["phone_number_ids"], json!([]));
    // The secret is shown once.
    let id = webhook["id"].as_str().unwrap();
    let shown: Value =
        world.app.get(&format!("/webhooks/{id}"), &world.key).send().await.unwrap().json().await.unwrap();
    assert!(shown["webhook"].get("secret").is_none());
    assert_eq!(shown["webhook"]["url"], receiver.url.as_str());

    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.IN1")).await;
    let received = receiver.wait_for(1).await;
    verify(secret, &received[0]);
    let body = received[0].json();
    assert_eq!(body["type"], "message.received");
    assert!(body["timestamp"].is_string());
    assert_eq!(body["data"]["phone_number_id"], NUMBER);
    assert_eq!(body["data"]["waba_id"], DEMO_WABA_ID);
    assert!(body["data"]["connection_id"].is_string());
    assert_eq!(body["data"]["message"]["id"], "wamid.IN1");
    assert_eq!(body["data"]["raw"]["text"]["body"], "hi");
    assert!(received[0].header("webhook-id").starts_with("evt_"));

    let delivery = world.wait_for_status(id, "delivered").await;
    assert_eq!(delivery["type"], "message.received");
    assert_eq!(delivery["attempts"][0]["http_status"], 200);
    assert_eq!(delivery["attempts"][0]["response_body"], "thanks");
}

#[tokio::test]
async fn one_meta_body_redelivered_three_times_is_one_event_and_one_delivery() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["*"]})).await;
    for _ in 0..3 {
        meta_posts(&world.app, &inbound_body(NUMBER, "wamid.DUP")).await;
    }
    // A later, different message proves the first three bodies were all applied.
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.AFTER")).await;
    let received = receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), 2, "{received:?}");
    assert_eq!(world.deliveries(webhook["id"].as_str().unwrap()).await.len(), 2);
}

#[tokio::test]
async fn three_failures_then_200_delivers_on_the_fourth_attempt_within_the_jitter_bounds() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.received"]})).await;
    let id = webhook["id"].as_str().unwrap();
    receiver.answer(500, 3);
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.RETRY")).await;
    receiver.wait_for(1).await;

    // 5 s ±20 %, then 5 min ±20 %, then 30 min ±20 %: the clock moves to each, not past it.
    for (attempt, planned) in [(1, 5.0), (2, 300.0), (3, 1800.0)] {
        let failed = world.wait_for_status(id, "failed").await;
        let attempts = failed["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), attempt);
        let last = &attempts[attempt - 1];
        assert_eq!(last["http_status"], 500);
        let wait = seconds_between(&last["attempted_at"], &failed["next_attempt_at"]);
        assert!(wait >= planned * 0.8 - 0.5 && wait <= planned * 1.2 + 0.5, "attempt {attempt} waits {wait} s");
        world.advance(wait.ceil() as u64 + 1);
        receiver.wait_for(attempt + 1).await;
    }
    let delivered = world.wait_for_status(id, "delivered").await;
    assert_eq!(delivered["attempt_count"], 4);
    let received = receiver.received();
    assert_eq!(received.len(), 4);
    // Every attempt carries the same id.
    assert!(received.iter().all(|one| one.header("webhook-id") == received[0].header("webhook-id")));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.*"]})).await;
    let id = webhook["id"].as_str().unwrap();
    receiver.answer_with(503, vec![("retry-after", "7")]);
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.LATER")).await;
    let failed = world.wait_for_status(id, "failed").await;
    let wait = seconds_between(&failed["attempts"][0]["attempted_at"], &failed["next_attempt_at"]);
    assert!((6.5..=7.5).contains(&wait), "waits {wait} s");
    world.advance(8);
    world.wait_for_status(id, "delivered").await;
}

#[tokio::test]
async fn a_410_disables_the_subscription_and_later_events_are_skipped() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.*"]})).await;
    let id = webhook["id"].as_str().unwrap();
    receiver.answer(410, 1);
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.GONE")).await;
    world.wait_for_status(id, "skipped").await;
    let shown: Value =
        world.app.get(&format!("/webhooks/{id}"), &world.key).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["webhook"]["status"], "disabled");
    assert!(shown["webhook"]["disabled_reason"].as_str().unwrap().contains("410"));

    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.WHILE_OFF")).await;
    let mut deliveries = Vec::new();
    for _ in 0..200 {
        deliveries = world.deliveries(id).await;
        if deliveries.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(deliveries.iter().all(|delivery| delivery["status"] == "skipped"), "{deliveries:?}");
    world.advance(3600);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.received().len(), 1);

    // Enabled again, a replay of what was skipped sends both.
    let enabled = world
        .app
        .client
        .patch(world.app.url(&format!("/webhooks/{id}")))
        .bearer_auth(&world.key)
        .json(&json!({"status": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(enabled.status(), 200);
    let queued: Value = world
        .app
        .post(&format!("/webhooks/{id}/replay"), &world.key)
        .json(&json!({"status": "skipped"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queued["queued"], 2);
    receiver.wait_for(3).await;
}

#[tokio::test]
async fn an_exhausted_delivery_is_dead_and_a_replay_keeps_its_webhook_id() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.*"]})).await;
    let id = webhook["id"].as_str().unwrap();
    receiver.answer(500, 10);
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.DEAD")).await;
    for attempt in 1..10 {
        let failed = world.wait_for_status(id, "failed").await;
        assert_eq!(failed["attempt_count"], attempt);
        let wait = seconds_between(&failed["attempts"][attempt - 1]["attempted_at"], &failed["next_attempt_at"]);
        world.advance(wait.ceil() as u64 + 1);
        receiver.wait_for(attempt + 1).await;
    }
    let dead = world.wait_for_status(id, "dead").await;
    assert_eq!(dead["attempt_count"], 10);
    assert_eq!(receiver.received().len(), 10);

    let delivery_id = dead["id"].as_str().unwrap();
    let replayed =
        world.app.post(&format!("/webhooks/{id}/deliveries/{delivery_id}/replay"), &world.key).send().await.unwrap();
    assert_eq!(replayed.status(), 202);
    let received = receiver.wait_for(11).await;
    assert_eq!(received[10].header("webhook-id"), received[0].header("webhook-id"));
    verify(webhook["secret"].as_str().unwrap(), &received[10]);
    world.wait_for_status(id, "delivered").await;
}

#[tokio::test]
async fn during_a_rotation_both_secrets_verify_each_delivery() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["webhook.test"]})).await;
    let id = webhook["id"].as_str().unwrap();
    let old = webhook["secret"].as_str().unwrap().to_owned();
    let rotated: Value = world
        .app
        .post(&format!("/webhooks/{id}/rotate-secret"), &world.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = rotated["webhook"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    let test = world.app.post(&format!("/webhooks/{id}/test"), &world.key).send().await.unwrap();
    assert_eq!(test.status(), 202);
    let received = receiver.wait_for(1).await;
    assert_eq!(received[0].json()["type"], "webhook.test");
    assert_eq!(received[0].header("webhook-signature").split(' ').count(), 2);
    verify(&old, &received[0]);
    verify(&new, &received[0]);

    // A day later only the new secret signs.
    world.advance(24 * 60 * 60 + 1);
    world.app.post(&format!("/webhooks/{id}/test"), &world.key).send().await.unwrap();
    let received = receiver.wait_for(2).await;
    assert_eq!(received[1].header("webhook-signature").split(' ').count(), 1);
    verify(&new, &received[1]);
}

#[tokio::test]
async fn phone_number_ids_filter_what_a_subscription_receives() {
    let world = World::start().await;
    let (only_first, every_number) = (Receiver::start().await, Receiver::start().await);
    world.subscribe(json!({"url": only_first.url, "events": ["message.received"], "phone_number_ids": [NUMBER]})).await;
    world.subscribe(json!({"url": every_number.url, "events": ["message.received"]})).await;
    meta_posts(&world.app, &inbound_body(OTHER_NUMBER, "wamid.OTHER")).await;
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.FIRST")).await;
    every_number.wait_for(2).await;
    let received = only_first.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(only_first.received().len(), 1);
    assert_eq!(received[0].json()["data"]["message"]["id"], "wamid.FIRST");
}

#[tokio::test]
async fn accounts_are_isolated_and_another_accounts_webhook_is_404_on_every_route() {
    let world = World::start().await;
    let receiver_a = Receiver::start().await;
    let receiver_b = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver_a.url, "events": ["*"]})).await;
    let id = webhook["id"].as_str().unwrap();
    let (_, key_b) = world.app.account_with_key("globex").await;
    let created_b = world
        .app
        .post("/webhooks", &key_b)
        .json(&json!({"url": receiver_b.url, "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created_b.status(), 201);

    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.A")).await;
    receiver_a.wait_for(1).await;
    let delivery_id = world.wait_for_status(id, "delivered").await["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(receiver_b.received().is_empty(), "B got A's event");

    let client = &world.app.client;
    let url = |path: String| world.app.url(&path);
    let requests = [
        client.get(url(format!("/webhooks/{id}"))),
        client.patch(url(format!("/webhooks/{id}"))).json(&json!({"description": "mine"})),
        client.delete(url(format!("/webhooks/{id}"))),
        client.post(url(format!("/webhooks/{id}/rotate-secret"))),
        client.post(url(format!("/webhooks/{id}/test"))),
        client.get(url(format!("/webhooks/{id}/deliveries"))),
        client.post(url(format!("/webhooks/{id}/deliveries/{delivery_id}/replay"))),
        client.post(url(format!("/webhooks/{id}/replay"))).json(&json!({})),
    ];
    for request in requests {
        let response = request.bearer_auth(&key_b).send().await.unwrap();
        assert_gateway_error(response, 404, "not_found").await;
    }
    let listed: Value = world.app.get("/webhooks", &key_b).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
    assert_ne!(listed["webhooks"][0]["id"], id);
    // A's webhook is untouched.
    let listed: Value = world.app.get("/webhooks", &world.key).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["webhooks"][0]["id"], id);
    assert!(listed["webhooks"][0]["description"].is_null());
}

#[tokio::test]
async fn invalid_subscriptions_are_refused_with_a_clear_gateway_code() {
    let world = World::start().await;
    let cases = [
        (json!({"events": ["message.*"]}), "missing_url"),
        (json!({"url": "https://hooks.example.com/in"}), "missing_events"),
        (json!({"url": "https://hooks.example.com/in", "events": ["message.sideways"]}), "unknown_event_type"),
        (json!({"url": "https://hooks.example.com/in", "events": ["mess*age"]}), "unknown_event_type"),
        (json!({"url": "https://hooks.example.com/in", "events": []}), "invalid_events"),
        (json!({"url": "ftp://hooks.example.com/in", "events": ["*"]}), "invalid_webhook_url"),
        (json!({"url": "not a url", "events": ["*"]}), "invalid_webhook_url"),
        (json!({"url": "http://0.0.0.0/", "events": ["*"]}), "invalid_webhook_url"),
        (
            json!({"url": "https://hooks.example.com/in", "events": ["*"], "phone_number_ids": ["12a"]}),
            "invalid_phone_number_ids",
        ),
        (json!({"url": "https://hooks.example.com/in", "events": ["*"], "secret": "mine"}), "invalid_json"),
    ];
    for (body, code) in cases {
        let response = world.app.post("/webhooks", &world.key).json(&body).send().await.unwrap();
        assert_gateway_error(response, 400, code).await;
    }
}

#[tokio::test]
async fn the_default_policy_refuses_http_and_private_endpoints() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = wabagate_sandbox::spawn(SandboxConfig::default(), listener).await.unwrap();
    let app = TestApp::spawn(&Url::parse(&sandbox.base_url()).unwrap()).await;
    let (_, key) = app.account_with_key("acme").await;
    for url in [
        "http://hooks.example.com/in",
        "https://127.0.0.1/in",
        "https://[::ffff:169.254.169.254]/",
        "https://10.0.0.8/",
    ] {
        let response = app.post("/webhooks", &key).json(&json!({"url": url, "events": ["*"]})).send().await.unwrap();
        assert_gateway_error(response, 400, "invalid_webhook_url").await;
    }
    let response = app
        .post("/webhooks", &key)
        .json(&json!({"url": "https://hooks.example.com/in", "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

/// Reads SSE frames from a response until `count` events came; returns (id, type, data).
async fn read_events(response: reqwest::Response, count: usize) -> Vec<(String, String, Value)> {
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while events.len() < count {
        let chunk = tokio::time::timeout_at(deadline, stream.next()).await.expect("events in time").unwrap().unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("{name}:")))
                    .map(|value| value.trim().to_owned())
            };
            if let (Some(id), Some(event), Some(data)) = (field("id"), field("event"), field("data")) {
                events.push((id, event, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    events
}

#[tokio::test]
async fn the_event_stream_pushes_new_events_and_resumes_after_last_event_id() {
    let world = World::start().await;
    let stream = world.app.get("/events/stream", &world.key).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.S1")).await;
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.S2")).await;
    let first = read_events(stream, 2).await;
    assert_eq!(first[0].1, "message.received");
    assert_eq!(first[0].2["data"]["message"]["id"], "wamid.S1");
    assert_eq!(first[1].2["data"]["message"]["id"], "wamid.S2");

    // Disconnected after the first; two more arrive meanwhile.
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.S3")).await;
    meta_posts(&world.app, &inbound_body(OTHER_NUMBER, "wamid.S4")).await;
    let resumed =
        world.app.get("/events/stream", &world.key).header("last-event-id", &first[0].0).send().await.unwrap();
    let rest = read_events(resumed, 3).await;
    let ids: Vec<&Value> = rest.iter().map(|(_, _, body)| &body["data"]["message"]["id"]).collect();
    assert_eq!(ids, ["wamid.S2", "wamid.S3", "wamid.S4"]);

    // Another account's stream sees none of it.
    let (_, key_b) = world.app.account_with_key("globex").await;
    let guessed = world.app.get("/events/stream", &key_b).header("last-event-id", &first[0].0).send().await.unwrap();
    assert_eq!(guessed.status(), 400, "A's event id resumes nothing for B");
    let other = world.app.get("/events/stream", &key_b).send().await.unwrap();
    let nothing = tokio::time::timeout(Duration::from_millis(1500), read_events(other, 1)).await;
    assert!(nothing.is_err(), "B's stream got A's events");
}

#[tokio::test]
async fn a_send_through_the_gateway_delivers_sent_delivered_and_read() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.*"]})).await;
    let sent = world
        .app
        .post(&format!("/whatsapp-business/v21.0/{NUMBER}/messages"), &world.key)
        .json(&json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let wamid = sent.json::<Value>().await.unwrap()["messages"][0]["id"].as_str().unwrap().to_owned();
    let received = receiver.wait_for(3).await;
    let mut types: Vec<String> = received.iter().map(|one| one.json()["type"].as_str().unwrap().to_owned()).collect();
    types.sort();
    assert_eq!(types, ["message.delivered", "message.read", "message.sent"]);
    for one in &received {
        verify(webhook["secret"].as_str().unwrap(), one);
        assert_eq!(one.json()["data"]["message"]["id"], wamid.as_str());
        assert_eq!(one.json()["data"]["raw"]["id"], wamid.as_str());
    }
}

#[tokio::test]
async fn a_connection_status_change_is_an_event() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    world.subscribe(json!({"url": receiver.url, "events": ["connection.*"]})).await;
    let connection = world.app.active_connection(&world.account, &["1000000000009999"]).await;
    let expired = world.app.store.expire_connection(connection, json!({"reason": "test"})).await.unwrap();
    assert_eq!(expired.status.as_str(), "EXPIRED");
    let received = receiver.wait_for(2).await;
    // Per-endpoint order is not promised: up to 4 deliveries are in flight at once.
    let mut received: Vec<Value> = received.iter().map(Received::json).collect();
    received.sort_by_key(|body| body["data"]["connection"]["status"].as_str().unwrap().to_owned());
    assert_eq!(received[0]["data"]["connection"]["status"], "ACTIVE");
    let body = &received[1];
    assert_eq!(body["data"]["connection"]["status"], "EXPIRED");
    assert_eq!(body["type"], "connection.status_changed");
    assert_eq!(body["data"]["connection_id"], connection.to_string());
    assert_eq!(body["data"]["connection"]["error"]["reason"], "test");
}

#[tokio::test]
async fn five_days_of_failures_disable_the_subscription() {
    let world = World::start().await;
    let receiver = Receiver::start().await;
    let webhook = world.subscribe(json!({"url": receiver.url, "events": ["message.*"]})).await;
    let id = webhook["id"].as_str().unwrap();
    receiver.answer(500, 10);
    meta_posts(&world.app, &inbound_body(NUMBER, "wamid.FAILING")).await;
    world.wait_for_status(id, "failed").await;
    world.advance(5 * 24 * 60 * 60 + 1);
    receiver.wait_for(2).await;
    world.wait_for_status(id, "skipped").await;
    let shown: Value =
        world.app.get(&format!("/webhooks/{id}"), &world.key).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["webhook"]["status"], "disabled");
    assert!(shown["webhook"]["disabled_reason"].as_str().unwrap().contains("5 days"));
    let failed_attempts =
        crate::support::metric(&world.app, "wabagate_webhook_attempts_total{outcome=\"failed\"}").await;
    assert_eq!(failed_attempts, 2.0);
}

#[tokio::test]
async fn three_instances_on_one_database_apply_each_meta_body_once_and_deliver_each_event_once() {
    let world = World::start().await;
    let (second, third) = (world.second_instance().await, world.second_instance().await);
    let instances = [&world.app, &second, &third];
    let receiver = Receiver::start().await;
    world.subscribe(json!({"url": receiver.url, "events": ["message.*"]})).await;

    // One batch delivered to all three at once (Meta retrying through a load balancer), then
    // 999 more spread over the three: every processor and every outbox worker is at work.
    let thrice = inbound_body(NUMBER, "wamid.THRICE");
    tokio::join!(meta_posts(&world.app, &thrice), meta_posts(&second, &thrice), meta_posts(&third, &thrice));
    let bodies: Vec<Value> = (0..999).map(|index| inbound_body(NUMBER, &format!("wamid.SPREAD{index}"))).collect();
    futures_util::stream::iter(bodies.iter().enumerate())
        .for_each_concurrent(32, |(index, body)| meta_posts(instances[index % 3], body))
        .await;
    receiver.wait_for(1000).await;
    // Time for a duplicate to arrive, were there one.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let ids: Vec<String> = receiver.received().iter().map(|received| received.header("webhook-id")).collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 1000, "every event delivered");
    assert_eq!(ids.len(), 1000, "each event delivered once");
    let (_, pending) = world.app.store.webhook_body_counts().await.unwrap();
    assert_eq!(pending, 0);
    let message = world.app.store.ledger_message(world.account.account_id, "wamid.THRICE").await.unwrap();
    assert!(message.is_some(), "the batch was applied");
}
